const TEXT = {
  papers:
    "These papers are samples written for a first run, not real arXiv papers; the first real scrape replaces them.",
  traffic:
    "These figures are a generated week of visits loaded by a first run, not real visitors; `manage.py remove_sample_data` removes them.",
} as const;

/**
 * Says that what is shown is sample content a first `make run` loads: the sample papers (core marks
 * each with `sample`) or the sample week of traffic (analytics answers `sample: true`). The first real
 * scrape hides the papers; `manage.py remove_sample_data` removes it all.
 */
export function SampleDataBanner({ show, kind }: { show: boolean; kind: keyof typeof TEXT }) {
  if (!show) return null;
  return (
    <p className="notice sample-banner" role="note">
      <strong>Sample data.</strong> {TEXT[kind]}
    </p>
  );
}
