import { lazy, Suspense } from "react";
import { useSearchParams } from "react-router";
import { readFilterState } from "../api/analyticsData";
import { ErrorMessage } from "../components/ErrorMessage";
import { FilterChip } from "../components/FilterChip";
import { GeoAttribution } from "../components/GeoAttribution";
import { LiveVisitors } from "../components/LiveVisitors";
import { Loading } from "../components/Loading";
import { LoginRequired } from "../components/LoginRequired";
import { PeriodPicker } from "../components/PeriodPicker";
import { SampleDataBanner } from "../components/SampleDataBanner";
import { ShareLinkRefused } from "../components/ShareLinkRefused";
import { SummaryFigures } from "../components/SummaryFigures";
import { metricsQuery, rangeName } from "../dashboardUrl";
import { useAnalyticsSummary, useAnalyticsTrending, useDashboardState, useDashboardToken } from "../hooks/useDashboard";
import { usePageMeta } from "../hooks/usePageMeta";
import { useRealtime } from "../hooks/useRealtime";

const DashboardCharts = lazy(() => import("../components/DashboardCharts"));

export default function Analytics() {
  const share = useSearchParams()[0].get("share");
  const [view, setView] = useDashboardState();
  const query = metricsQuery(view);
  const token = useDashboardToken(share);
  const summary = useAnalyticsSummary(token.data?.token, query);
  const trending = useAnalyticsTrending(token.data?.token, query);
  const realtime = useRealtime(token.data?.token);
  usePageMeta({ title: "Analytics", description: "Privacy-first, cookieless analytics of this site, live." });

  const summaryState = readFilterState(summary.data);
  const trendingState = readFilterState(trending.data);
  // The trending answer names its own lists (`topics`, `queries`); its panels are `trending.*`.
  const unavailable = [...summaryState.unavailable, ...trendingState.unavailable.map((key) => `trending.${key}`)];

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
            filtered={view.filter !== null}
            {...(summary.data ? { fallback: summary.data.realtime.activeUsers } : {})}
          />
          <PeriodPicker
            key={rangeName(view.range)}
            range={view.range}
            onChange={(range) => setView({ ...view, range })}
          />
          {view.filter && <FilterChip filter={view.filter} onRemove={() => setView({ ...view, filter: null })} />}
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
              <p className="muted dashboard-range">
                {summary.data.from === summary.data.to
                  ? summary.data.from
                  : `${summary.data.from} to ${summary.data.to}`}{" "}
                (UTC)
                {summary.data.comparison
                  ? `, compared with ${summary.data.comparison.from} to ${summary.data.comparison.to}`
                  : ", no earlier period retained to compare with"}
              </p>
              <SummaryFigures summary={summary.data} unavailable={unavailable} />
              <Suspense fallback={<Loading label="Loading the charts…" />}>
                <DashboardCharts
                  summary={summary.data}
                  trending={trending.data}
                  unavailable={unavailable}
                  rangeName={rangeName(view.range)}
                  onFilter={(filter) => setView({ ...view, filter })}
                />
              </Suspense>
              <GeoAttribution attribution={summary.data.geography.attribution} />
            </>
          )}
        </>
      )}
    </section>
  );
}
