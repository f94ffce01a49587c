export const SITE_NAME = "AI Platform Portfolio";
export const SITE_DESCRIPTION =
  "An AI/ML engineer's portfolio: a curated feed of new AI papers, a chatbot grounded in the projects and papers, and privacy-first analytics.";
