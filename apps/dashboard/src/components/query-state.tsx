"use client";
import { Alert, Center, Loader } from "@mantine/core";

/**
 * Loading spinner or error box for a query; renders children once data is
 * there, or `empty` instead when the data is an empty list and `empty` is given.
 */
export function QueryState<T>({
  query,
  empty,
  children,
}: {
  query: { data: T | undefined; error: { message: string } | null; isLoading: boolean };
  empty?: React.ReactNode;
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
  if (empty !== undefined && Array.isArray(query.data) && query.data.length === 0)
    return <>{empty}</>;
  return <>{children(query.data)}</>;
}
