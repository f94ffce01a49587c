import { lazy, Suspense, useState } from "react";
import { useSearchParams } from "react-router";
import { ErrorMessage } from "../components/ErrorMessage";
import { GeoAttribution } from "../components/GeoAttribution";
import { LiveVisitors } from "../components/LiveVisitors";
import { Loading } from "../components/Loading";
import { LoginRequired } from "../components/LoginRequired";
import { SampleDataBanner } from "../components/SampleDataBanner";
import { ShareLinkRefused } from "../components/ShareLinkRefused";
import { SummaryFigures } from "../components/SummaryFigures";
import { type Period, useAnalyticsSummary, useDashboardToken } from "../hooks/useDashboard";
import { usePageMeta } from "../hooks/usePageMeta";
import { useRealtime } from "../hooks/useRealtime";

const DashboardCharts = lazy(() => import("../components/DashboardCharts"));

const PERIODS: { value: Period; label: string }[] = [
  { value: "today", label: "Today" },
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
];

export default function Analytics() {
  const [period, setPeriod] = useState<Period>("7d");
  const share = useSearchParams()[0].get("share");
  const token = useDashboardToken(share);
  const summary = useAnalyticsSummary(token.data?.token, period);
  const realtime = useRealtime(token.data?.token);
  usePageMeta({ title: "Analytics", description: "Privacy-first, cookieless analytics of this site, live." });

  const authError = token.error && (token.error.status === 401 || token.error.status === 403);
  return (
    <section className="dashboard" aria-labelledby="dashboard-heading">
      <h1 id="dashboard-heading">Analytics</h1>
      {token.isPending && <Loading label="Checking access…" />}
      {token.error &&
        (authError ? (
          share ? (
            <ShareLinkRefused error={token.error} />
          ) : (
            <LoginRequired error={token.error} />
          )
        ) : (
          <ErrorMessage what="the dashboard" error={token.error} onRetry={() => token.refetch()} />
        ))}
      {token.data && (
        <>
          {share && <p className="notice">A shared, read-only view of this site's analytics.</p>}
          <LiveVisitors
            realtime={realtime}
            {...(summary.data ? { fallback: summary.data.realtime.activeUsers } : {})}
          />
          <div className="field period">
            <label htmlFor="dashboard-period">Period</label>
            <select id="dashboard-period" value={period} onChange={(event) => setPeriod(event.target.value as Period)}>
              {PERIODS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
          {summary.isPending && <Loading label="Loading the figures…" />}
          {summary.error && (
            <ErrorMessage
              what="the figures"
              service="analytics"
              error={summary.error}
              onRetry={() => summary.refetch()}
            />
          )}
          {summary.data && (
            <>
              <SampleDataBanner kind="traffic" show={summary.data.sample} />
              <SummaryFigures summary={summary.data} />
              <Suspense fallback={<Loading label="Loading the charts…" />}>
                <DashboardCharts summary={summary.data} />
              </Suspense>
              <GeoAttribution attribution={summary.data.geoAttribution} />
            </>
          )}
        </>
      )}
    </section>
  );
}
