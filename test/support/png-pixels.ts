// Pixel checks on a screenshot, decoded by the browser's own PNG decoder (createImageBitmap and
// a canvas) so a test sees what was painted, not what the markup says; no image library needed.
import type { Page } from '@playwright/test';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The browser globals used below; the harness compiles without the DOM library. */
interface CanvasGlobals {
  createImageBitmap(blob: Blob): Promise<object>;
  OffscreenCanvas: new (width: number, height: number) => {
    getContext(kind: '2d'): {
      drawImage(image: object, x: number, y: number): void;
      getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
    };
  };
}

/**
 * Pixels inside `rect` (in the PNG's own pixels) that are plainly red: a strong red channel and
 * weak green and blue, so anti-aliased grey or pink edges do not count.
 */
export async function countRedPixels(page: Page, png: Buffer, rect: Rect): Promise<number> {
  return page.evaluate(
    async ({ base64, rect }) => {
      const g = globalThis as unknown as CanvasGlobals;
      const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
      const bitmap = await g.createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new g.OffscreenCanvas(rect.x + rect.width, rect.y + rect.height);
      const context = canvas.getContext('2d');
      context.drawImage(bitmap, 0, 0);
      const { data } = context.getImageData(rect.x, rect.y, rect.width, rect.height);
      let red = 0;
      for (let i = 0; i < data.length; i += 4) {
        if ((data[i] ?? 0) > 150 && (data[i + 1] ?? 255) < 100 && (data[i + 2] ?? 255) < 100) red += 1;
      }
      return red;
    },
    { base64: png.toString('base64'), rect },
  );
}
