"use client";
import { Alert, Button, Checkbox, PasswordInput, Stack, Text } from "@mantine/core";
import { useInputState } from "@mantine/hooks";
import { useMutation } from "@tanstack/react-query";
import { useMe } from "@/components/app-frame";
import { useTRPC } from "@/lib/trpc";

/** Who I am, my teams, and changing my password. */
export function AccountPanel() {
  const trpc = useTRPC();
  const me = useMe();
  const [current, setCurrent] = useInputState("");
  const [next, setNext] = useInputState("");
  const [revokeTokens, setRevokeTokens] = useInputState(false);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrent("");
        setNext("");
        setRevokeTokens(false);
      },
    }),
  );
  return (
    <Stack maw={420}>
      <Text size="sm">
        Signed in as <b>{me.data?.user.email}</b> ({me.data?.role}). Teams:{" "}
        {me.data?.teams.map((t) => `${t.name} (${t.role})`).join(", ") || "none"}.
      </Text>
      <PasswordInput label="Current password" value={current} onChange={setCurrent} />
      <PasswordInput
        label="New password"
        description="At least 10 characters"
        value={next}
        onChange={setNext}
      />
      <Checkbox
        label="Also revoke my API tokens"
        description="Scripts using them will need new ones"
        checked={revokeTokens}
        onChange={setRevokeTokens}
      />
      {change.error && <Alert color="red">{change.error.message}</Alert>}
      {change.isSuccess && (
        <Alert color="green">
          Password changed; your other sessions were signed out.
          {change.data.revokedTokens > 0 && ` API tokens revoked: ${change.data.revokedTokens}.`}
        </Alert>
      )}
      <Button
        onClick={() =>
          change.mutate({
            currentPassword: current,
            newPassword: next,
            revokeApiTokens: revokeTokens,
          })
        }
        loading={change.isPending}
        w={200}
      >
        Change password
      </Button>
    </Stack>
  );
}
