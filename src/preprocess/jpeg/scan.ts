// Walks the MCUs of one scan (ITU T.81 A.2): block addresses for interleaved and single-component scans, and
// restart-interval bookkeeping. The entropy decoder (Huffman or arithmetic, sequential or progressive) decodes one
// MCU at a time into the components' coefficient arrays.

import type { Frame, Scan } from "./frame.js";

export interface McuDecoder {
  /** Decode one MCU; block i of the MCU starts at coefs offset `offsets[i]` of component `scan.components[blockComponent[i]]`. */
  decodeMcu(offsets: Int32Array): void;
  /** Handle the restart marker that precedes the next MCU (libjpeg's process_restart). */
  restart(): void;
}

export interface McuLayout {
  mcusPerLine: number;
  mcuRows: number;
  /** For each block of an MCU: index of its component within the scan. */
  blockComponent: Int32Array;
}

export function mcuLayout(frame: Frame, scan: Scan): McuLayout {
  if (scan.components.length === 1) {
    const c = scan.components[0];
    return { mcusPerLine: c.widthInBlocks, mcuRows: c.heightInBlocks, blockComponent: new Int32Array(1) };
  }
  const blocks: number[] = [];
  scan.components.forEach((c, i) => {
    for (let k = 0; k < c.h * c.v; k++) blocks.push(i);
  });
  return { mcusPerLine: frame.mcusPerLine, mcuRows: frame.mcusPerColumn, blockComponent: Int32Array.from(blocks) };
}

/**
 * Decode every MCU of a scan. `progress`, when given, records the last iMCU row reached with data still available
 * (checked before each MCU, as jdcoefct.c consume_data does), which block smoothing needs.
 */
export function decodeScanMcus(
  frame: Frame,
  scan: Scan,
  restartInterval: number,
  decoder: McuDecoder,
  dataExhausted: () => boolean,
  progress: { lastGoodImcuRow: number } | null,
): void {
  const layout = mcuLayout(frame, scan);
  const offsets = new Int32Array(layout.blockComponent.length);
  const single = scan.components.length === 1;
  let restartsToGo = restartInterval;
  for (let my = 0; my < layout.mcuRows; my++) {
    const imcuRow = single ? Math.floor(my / scan.components[0].v) : my;
    for (let mx = 0; mx < layout.mcusPerLine; mx++) {
      if (progress && !dataExhausted()) progress.lastGoodImcuRow = imcuRow;
      if (restartInterval !== 0) {
        if (restartsToGo === 0) {
          decoder.restart();
          restartsToGo = restartInterval;
        }
        restartsToGo--;
      }
      if (single) {
        offsets[0] = (my * scan.components[0].blocksPerLine + mx) * 64;
      } else {
        let b = 0;
        for (const c of scan.components) {
          for (let dy = 0; dy < c.v; dy++) {
            const row = (my * c.v + dy) * c.blocksPerLine + mx * c.h;
            for (let dx = 0; dx < c.h; dx++) offsets[b++] = (row + dx) * 64;
          }
        }
      }
      decoder.decodeMcu(offsets);
    }
  }
}
