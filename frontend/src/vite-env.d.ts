/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_CORE_URL?: string;
  readonly VITE_ANALYTICS_URL?: string;
  readonly VITE_ADMIN_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
