"use client";
import { Alert, Center, Loader } from "@mantine/core";

/** Loading spinner or error box for a query; renders children once data is there. */
export function QueryState<T>({
  query,
  children,
}: {
  query: { data: T | undefined; error: { message: string } | null; isLoading: boolean };
  children: (data: T) => React.ReactNode;
}) {
  if (query.error)
    return (
      <Alert color="red" title="Could not load">
        {query.error.message}
      </Alert>
    );
  if (query.data === undefined) {
    return (
      <Center p="xl">
        <Loader />
      </Center>
    );
  }
  return <>{children(query.data)}</>;
}
