import { type FormEvent, useState } from "react";
import type { DashboardRange } from "../dashboardUrl";
import { oldestDay, PRESETS, rangeError, todayUtc } from "../dashboardUrl";

/** Preset periods as toggle buttons, and a custom range of UTC days within the retention. */
export function PeriodPicker({
  range,
  onChange,
}: {
  range: DashboardRange;
  onChange: (range: DashboardRange) => void;
}) {
  const today = todayUtc();
  const [from, setFrom] = useState("period" in range ? "" : range.from);
  const [to, setTo] = useState("period" in range ? today : range.to);
  const [error, setError] = useState<string | null>(null);

  function apply(event: FormEvent) {
    event.preventDefault();
    const problem = rangeError(from, to, today);
    setError(problem);
    if (!problem) onChange({ from, to });
  }

  return (
    <div className="period-picker">
      <fieldset className="presets">
        <legend>Period</legend>
        {PRESETS.map((preset) => (
          <button
            key={preset.value}
            type="button"
            className="chip chip-filter"
            aria-pressed={"period" in range && range.period === preset.value}
            onClick={() => onChange({ period: preset.value })}
          >
            {preset.label}
          </button>
        ))}
      </fieldset>
      <form className="custom-range" aria-label="Custom range (UTC days)" onSubmit={apply} noValidate>
        {(
          [
            ["range-from", "From", from, setFrom],
            ["range-to", "To", to, setTo],
          ] as const
        ).map(([id, label, value, set]) => (
          <div className="field" key={id}>
            <label htmlFor={id}>{label}</label>
            <input
              id={id}
              type="date"
              value={value}
              min={oldestDay(today)}
              max={today}
              onChange={(event) => set(event.target.value)}
            />
          </div>
        ))}
        <button type="submit" aria-pressed={!("period" in range)}>
          Show range
        </button>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </div>
  );
}
