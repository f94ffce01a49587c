import { SITE_NAME } from "../components/Layout";
import { ServiceStatus } from "../components/ServiceStatus";
import { useHealth } from "../hooks/useHealth";

export default function Home() {
  const health = useHealth();
  return (
    <section>
      <title>{SITE_NAME}</title>
      <h1>{SITE_NAME}</h1>
      <ServiceStatus name="Core" isPending={health.isPending} error={health.error} />
    </section>
  );
}
