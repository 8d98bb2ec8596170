export function chromiumExecutable(): string | undefined;
export function startStaticServer(root: string, served: string[]): Promise<{ origin: string; close(): Promise<void> }>;
