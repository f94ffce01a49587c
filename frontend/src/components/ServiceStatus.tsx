import type { ApiError } from "../api/errors";

interface ServiceStatusProps {
  name: string;
  isPending: boolean;
  error: ApiError | null;
}

/** One line telling whether a service answers. */
export function ServiceStatus({ name, isPending, error }: ServiceStatusProps) {
  let state: "loading" | "up" | "down";
  let text: string;
  if (isPending) {
    state = "loading";
    text = `Checking ${name}…`;
  } else if (error) {
    state = "down";
    text = `${name} is not answering: ${error.message}`;
  } else {
    state = "up";
    text = `${name} is up`;
  }
  return (
    <p className={`status status-${state}`} role="status" data-state={state}>
      {text}
    </p>
  );
}
