export const CORE_BUDGET_GZIP: number;
export interface FileSize {
  path: string;
  bytes: number;
  gzip: number;
}
export function staticClosure(entry?: string): { files: FileSize[]; packages: string[]; bytes: number; gzip: number };
export function minifiedBundle(entry?: string, code?: string): Promise<{ bytes: number; gzip: number; lazyBytes: number; lazyGzip: number }>;
