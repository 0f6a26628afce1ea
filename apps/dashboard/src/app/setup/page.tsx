"use client";
import { Alert, Button, PasswordInput, Stack, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { AuthCard } from "@/components/auth-card";
import { errorField, useTRPC } from "@/lib/trpc";

function SetupForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const token = useSearchParams().get("token") ?? "";
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const setup = useMutation(
    trpc.auth.completeSetup.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        router.replace("/builds");
      },
    }),
  );
  const field = errorField(setup.error);
  const mismatch = again.length > 0 && again !== password;
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
          if (!mismatch) setup.mutate({ token, email, password });
        }}
      >
        <Stack gap="sm">
          <TextInput
            label="Email"
            type="email"
            required
            data-testid="setup-email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={field === "email" ? setup.error?.message : undefined}
          />
          <PasswordInput
            label="Password"
            description="At least 10 characters"
            required
            data-testid="setup-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={field === "password" ? setup.error?.message : undefined}
          />
          <PasswordInput
            label="Password again"
            required
            data-testid="setup-password-again"
            value={again}
            onChange={(e) => setAgain(e.currentTarget.value)}
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

export default function SetupPage() {
  return (
    <Suspense>
      <SetupForm />
    </Suspense>
  );
}
