"use client";
import {
  AppShell,
  Burger,
  Center,
  Group,
  Loader,
  Menu,
  NavLink,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect } from "react";
import { errorCode, useTRPC } from "@/lib/trpc";

const NAV = [
  { href: "/builds", label: "Builds" },
  { href: "/recipes", label: "Recipes" },
  { href: "/catalogs", label: "Catalogs" },
  { href: "/agents", label: "Agents" },
  { href: "/settings", label: "Settings" },
];

/** The signed-in user, or a redirect to the sign-in page. */
export function useMe() {
  const trpc = useTRPC();
  return useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
}

/** Navigation shell of every signed-in page. */
export function AppFrame({ children }: { children: React.ReactNode }) {
  const [opened, { toggle }] = useDisclosure();
  const pathname = usePathname();
  const router = useRouter();
  const me = useMe();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSuccess: () => {
        queryClient.clear();
        router.push("/sign-in");
      },
    }),
  );
  const unauthenticated = (me.isSuccess && !me.data) || errorCode(me.error) === "UNAUTHORIZED";
  useEffect(() => {
    if (unauthenticated) router.replace(`/sign-in?next=${encodeURIComponent(pathname)}`);
  }, [unauthenticated, router, pathname]);
  if (!me.data) {
    return (
      <Center h="100vh">
        {me.error && !unauthenticated ? <Text c="red">{me.error.message}</Text> : <Loader />}
      </Center>
    );
  }
  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 200, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" />
            <Text fw={800} size="lg" c="orange.7">
              Kiln
            </Text>
          </Group>
          <Menu position="bottom-end">
            <Menu.Target>
              <UnstyledButton data-testid="user-menu">
                <Text size="sm">
                  {me.data.user.email}
                  {me.data.role === "admin" ? " (admin)" : ""}
                </Text>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item component={Link} href="/settings">
                Settings
              </Menu.Item>
              <Menu.Item onClick={() => logout.mutate()}>Sign out</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {NAV.map((item) => (
          <NavLink
            key={item.href}
            component={Link}
            href={item.href}
            label={item.label}
            active={pathname === item.href || pathname.startsWith(`${item.href}/`)}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
