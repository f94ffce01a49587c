// The scrape jobs of an admin page, kept live: while a job on the page is queued or running, poll the
// admin's JSON of the same jobs (data-live-url) every 2 s and update states and progress bars in place;
// reload when a job ends (its counts, errors and re-run buttons come from the server) or the list of
// jobs changes. With nothing running, look every 10 s for a job started elsewhere.
(() => {
  const root = document.querySelector("[data-live-url]");
  if (!root) return;
  const ACTIVE = new Set(["queued", "running"]);
  const status = document.getElementById("live-status");

  // The first progress bar in ``scope`` (a job's own comes before its sources').
  const setBar = (scope, value) => {
    const bar = scope.querySelector('[data-field="progress"]');
    const text = scope.querySelector('[data-field="progress-text"]');
    if (bar) bar.value = value;
    if (text) text.textContent = `${value}%`;
  };

  // Updates one job's elements; true when the page must be reloaded instead.
  const apply = (job) => {
    const row = root.querySelector(`[data-job="${job.id}"]`);
    if (!row) return true;
    if (row.dataset.state !== job.state && !ACTIVE.has(job.state)) return true;
    row.dataset.state = job.state;
    const state = row.querySelector('[data-field="state"]');
    if (state) state.textContent = job.phase ? `${job.state} (${job.phase})` : job.state;
    setBar(row, job.progress);
    for (const [name, source] of Object.entries(job.sources)) {
      const line = row.querySelector(`[data-source="${name}"]`);
      if (!line) continue;
      line.querySelector('[data-field="state"]').textContent = source.state;
      setBar(line, source.progress);
    }
    return false;
  };

  const active = () => [...root.querySelectorAll("[data-job]")].some((el) => ACTIVE.has(el.dataset.state));

  // A single finished job (its own page, data-live-idle="stop") has nothing more to show.
  const idle = () => (root.dataset.liveIdle === "stop" ? null : 10000);

  const poll = async () => {
    try {
      const response = await fetch(root.dataset.liveUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const body = await response.json();
        const jobs = Array.isArray(body.results) ? body.results : [body];
        const shown = [...root.querySelectorAll("[data-job]")].map((el) => el.dataset.job);
        const changed = Array.isArray(body.results) && jobs.map((j) => j.id).join() !== shown.join();
        if (changed || jobs.map(apply).some(Boolean)) {
          window.location.reload();
          return;
        }
        if (status) status.textContent = `live, updated ${new Date().toLocaleTimeString()}`;
      } else if (status) {
        status.textContent = `the scraper did not answer (${response.status}); retrying`;
      }
    } catch {
      if (status) status.textContent = "core did not answer; retrying";
    }
    schedule();
  };
  const schedule = () => {
    const wait = active() ? 2000 : idle();
    if (wait !== null) setTimeout(poll, wait);
  };
  schedule();
})();
