// Global average pooling of channels-first planes into the vector layout the head works in (channels as
// planes, images as pixels): out[c * Pn + n] = mean over the HW real pixels of plane q = n * C + c. Summed in
// float64 in pixel order, as the reference kernel does, so the pooled values are the same bits.

/** out [C, Pn] from x [N * C, P]; planes q0 <= q < q1. */
export function globalAvgPool(out: usize, x: usize, C: i32, P: i32, HW: i32, Pn: i32, q0: i32, q1: i32): void {
  for (let q = q0; q < q1; q++) {
    const xq = x + ((<usize>q * <usize>P) << 2);
    let sum: f64 = 0;
    for (let i = 0; i < HW; i++) sum += <f64>load<f32>(xq + ((<usize>i) << 2));
    store<f32>(out + ((<usize>((q % C) * Pn + q / C)) << 2), <f32>(sum / <f64>HW));
  }
}
