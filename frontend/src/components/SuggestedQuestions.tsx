/** Questions the visitor can ask with one click (starters before the conversation, follow-ups after). */
export function SuggestedQuestions({
  label,
  questions,
  onAsk,
  disabled = false,
}: {
  label: string;
  questions: readonly string[];
  onAsk: (question: string) => void;
  disabled?: boolean;
}) {
  if (questions.length === 0) return null;
  return (
    <ul className="suggested-questions" aria-label={label}>
      {questions.map((question) => (
        <li key={question}>
          <button type="button" className="secondary" disabled={disabled} onClick={() => onAsk(question)}>
            {question}
          </button>
        </li>
      ))}
    </ul>
  );
}
