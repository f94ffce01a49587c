import { shiftDay, todayUtc } from "../hooks/usePapers";

interface DayControlProps {
  /** The UTC day shown (YYYY-MM-DD), or "" for every day. */
  day: string;
  onChange: (day: string) => void;
}

/** Browse by day: a date field with the previous and next day, and a way back to every day. */
export function DayControl({ day, onChange }: DayControlProps) {
  const today = todayUtc();
  return (
    <fieldset className="day-control">
      <legend>Browse by day (UTC)</legend>
      <button type="button" className="secondary" onClick={() => onChange(shiftDay(day || today, -1))}>
        Previous day
      </button>
      <label htmlFor="paper-day" className="visually-hidden">
        Published on
      </label>
      <input
        id="paper-day"
        type="date"
        value={day}
        max={today}
        onChange={(event) => onChange(shiftDay(event.target.value, 0))}
      />
      <button
        type="button"
        className="secondary"
        disabled={!day || day >= today}
        onClick={() => onChange(shiftDay(day, 1))}
      >
        Next day
      </button>
      {day && (
        <button type="button" className="link-button" onClick={() => onChange("")}>
          All days
        </button>
      )}
    </fieldset>
  );
}
