-- Runs once, when the compose `postgres` volume is first initialised: one database per service
-- (DESIGN.md). Each service migrates its own database; none reads another's tables.
CREATE DATABASE portfolio_core;
CREATE DATABASE portfolio_scraper;
CREATE DATABASE portfolio_documents;
