"use client";
import { Tabs, type MantineSpacing, type TabsProps } from "@mantine/core";

/** One tab: its label, and the panel it shows. */
export interface TPanelTab {
  value: string;
  label: React.ReactNode;
  panel: React.ReactNode;
  /** Passed to the panel element. */
  panelTestId?: string;
}

/** Tabs drawn from a list, each panel `pt` below the tab row. */
export function PanelTabs({
  tabs,
  pt,
  ...tabsProps
}: { tabs: TPanelTab[]; pt: MantineSpacing } & Omit<TabsProps, "children">) {
  return (
    <Tabs {...tabsProps}>
      <Tabs.List>
        {tabs.map((tab) => (
          <Tabs.Tab key={tab.value} value={tab.value}>
            {tab.label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {tabs.map((tab) => (
        <Tabs.Panel key={tab.value} value={tab.value} pt={pt} data-testid={tab.panelTestId}>
          {tab.panel}
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}
