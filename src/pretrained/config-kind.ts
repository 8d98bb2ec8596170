// Which library wrote a model's config.json: timm (an "architecture" key, read by timm-config.ts) or
// transformers ("model_type"). Small on purpose: timm's registry is loaded only when a timm checkpoint is met.

export function isTimmConfig(json: unknown): boolean {
  return (
    typeof json === "object" && json !== null && typeof (json as Record<string, unknown>).architecture === "string"
  );
}
