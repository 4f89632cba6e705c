/// <reference lib="webworker" />
import { layout, type LayoutInput } from "./layout.ts";

self.onmessage = (e: MessageEvent<LayoutInput & { id: number }>) => {
  const r = layout(e.data);
  const transfer = [r.x.buffer, r.y.buffer, r.layer.buffer, ...r.byLayer.map((b) => b.buffer)];
  (self as unknown as Worker).postMessage({ id: e.data.id, result: r }, transfer);
};
