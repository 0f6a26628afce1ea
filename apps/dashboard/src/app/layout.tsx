import "@mantine/core/styles.css";
import "@mantine/charts/styles.css";
import "@mantine/code-highlight/styles.css";
import "@mantine/notifications/styles.css";
import "@xyflow/react/dist/style.css";
import "./globals.css";
import type { Metadata } from "next";
import { headers } from "next/headers";
import { ColorSchemeScript, mantineHtmlProps } from "@mantine/core";
import { Providers } from "./providers";

export const metadata: Metadata = {
  title: { default: "Kiln", template: "%s · Kiln" },
  description: "Kiln: team image builds from DIB elements",
};

/**
 * The server's Content Security Policy allows inline scripts only with the
 * nonce it put in the request's policy header; reading it renders every page
 * per request, so each gets its own.
 */
async function scriptNonce(): Promise<string | undefined> {
  const policy = (await headers()).get("content-security-policy") ?? "";
  return /'nonce-([^']+)'/.exec(policy)?.[1];
}

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const nonce = await scriptNonce();
  return (
    <html lang="en" {...mantineHtmlProps}>
      <head>
        <ColorSchemeScript defaultColorScheme="light" nonce={nonce} />
      </head>
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
