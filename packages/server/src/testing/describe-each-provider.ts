/**
 * The per-provider frame of the server's data-layer tests: one describe
 * block per database provider (SQLite always, PostgreSQL when
 * KILN_TEST_DATABASE_URL names a server), and a fixture made once per block.
 * Not used by production code.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { testProviders, type TTestProvider } from "@kiln/db/testing";

/** `it`, skipped with the provider's reason when this host cannot run it. */
export type TProviderIt = ReturnType<typeof it.skipIf>;

/**
 * One describe block per provider, titled "<title> on <provider>". A
 * provider this host lacks prints why, and its block is skipped (so are its
 * hooks); `run` is `it` with the same skip, for tests that prefer it.
 */
export function describeEachProvider(
  title: string,
  body: (provider: TTestProvider, run: TProviderIt) => void,
): void {
  // Test support reads the test database's address, as the test files themselves do.
  // eslint-disable-next-line no-restricted-properties
  const providers = testProviders(process.env.KILN_TEST_DATABASE_URL);
  for (const provider of providers) {
    const skipped = !!provider.skipReason;
    if (skipped) console.log(`${title} on ${provider.provider} skipped: ${provider.skipReason}`);
    describe.skipIf(skipped)(`${title} on ${provider.provider}`, () =>
      body(provider, it.skipIf(skipped)),
    );
  }
}

/**
 * A fixture made before the block's tests and closed after them. The object
 * returned is filled in by `beforeAll`, so read its fields inside tests only.
 * Nothing is made for a skipped provider.
 */
export function useFixture<TFixture extends { close(): Promise<void> }>(
  provider: TTestProvider,
  create: (provider: TTestProvider) => Promise<TFixture>,
): TFixture {
  const fixture = {} as TFixture;
  let created = false;
  beforeAll(async () => {
    if (provider.skipReason) return;
    Object.assign(fixture, await create(provider));
    created = true;
  });
  afterAll(async () => {
    if (created) await fixture.close();
  });
  return fixture;
}
