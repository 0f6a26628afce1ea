"use client";
import { Alert, Button, Group, type ButtonProps, type MantineSpacing } from "@mantine/core";

/**
 * A row of inputs ending in a submit button (create a token, a user, a team,
 * add a member). `error`, when given, shows under the row; forms that put the
 * error on a field leave it out.
 */
export function InlineForm({
  submitLabel,
  onSubmit,
  loading,
  submitVariant,
  error,
  errorMt,
  mt,
  children,
}: {
  submitLabel: string;
  onSubmit: () => void;
  loading: boolean;
  submitVariant?: ButtonProps["variant"];
  error?: { message: string } | null;
  errorMt?: MantineSpacing;
  mt?: MantineSpacing;
  children: React.ReactNode;
}) {
  return (
    <>
      <Group align="flex-end" mt={mt}>
        {children}
        <Button variant={submitVariant} onClick={onSubmit} loading={loading}>
          {submitLabel}
        </Button>
      </Group>
      {error && (
        <Alert color="red" mt={errorMt}>
          {error.message}
        </Alert>
      )}
    </>
  );
}
