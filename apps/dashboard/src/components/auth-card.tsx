"use client";
import { Center, Paper, Stack, Text, Title } from "@mantine/core";

/** The centred card of the sign-in and setup pages. */
export function AuthCard({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: string;
  children: React.ReactNode;
}) {
  return (
    <Center mih="100vh" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={380} radius="md">
        <Stack gap="md">
          <div>
            <Text fw={800} size="xl" c="orange.7">
              Kiln
            </Text>
            <Title order={3}>{title}</Title>
            {subtitle && (
              <Text size="sm" c="dimmed">
                {subtitle}
              </Text>
            )}
          </div>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}
