import { AppFrame } from "@/components/app-frame";

export default function MainLayout({ children }: { children: React.ReactNode }) {
  return <AppFrame>{children}</AppFrame>;
}
