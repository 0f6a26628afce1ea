"use client";
import { Alert, Button, PasswordInput, Stack, TextInput } from "@mantine/core";
import { useInputState } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { AuthCard } from "@/components/auth-card";
import { errorField, useTRPC } from "@/lib/trpc";

function SetupForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const token = useSearchParams().get("token") ?? "";
  const queryClient = useQueryClient();
  const email = useRequiredField("setup-email");
  const password = useRequiredField("setup-password");
  const again = useRequiredField("setup-password-again");
  const setup = useMutation(
    trpc.auth.completeSetup.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        router.replace("/builds");
      },
    }),
  );
  const field = errorField(setup.error);
  const errorOn = (name: string) => (field === name ? setup.error?.message : undefined);
  const mismatch = again.value.length > 0 && again.value !== password.value;
  return (
    <AuthCard
      title="Create the administrator"
      subtitle="This link works once. The account you create here can add everyone else."
    >
      {!token && (
        <Alert color="red">
          This page needs the setup link printed by the server (…/setup?token=…).
        </Alert>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!mismatch) setup.mutate({ token, email: email.value, password: password.value });
        }}
      >
        <Stack gap="sm">
          <TextInput label="Email" type="email" {...email} error={errorOn("email")} />
          <PasswordInput
            label="Password"
            description="At least 10 characters"
            {...password}
            error={errorOn("password")}
          />
          <PasswordInput
            label="Password again"
            {...again}
            error={mismatch ? "the passwords differ" : undefined}
          />
          {setup.error && field !== "email" && field !== "password" && (
            <Alert color="red">{setup.error.message}</Alert>
          )}
          <Button type="submit" loading={setup.isPending} disabled={!token}>
            Create and sign in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}

/** A required text field's value and change handler, with its test id. */
function useRequiredField(testId: string) {
  const [value, onChange] = useInputState("");
  return { value, onChange, required: true, "data-testid": testId };
}

export default function SetupPage() {
  return (
    <Suspense>
      <SetupForm />
    </Suspense>
  );
}
