import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";

/**
 * Fixed-height virtualised list: only the rows in view (plus a margin) are in the DOM, so 100,000
 * rows cost the same as 50. `stickToBottom` follows new rows while the user is at the end.
 */
export function VirtualList({
  count,
  rowHeight,
  renderRow,
  overscan = 10,
  stickToBottom = false,
  className = "vlist",
  label,
  testId,
}: {
  count: number;
  rowHeight: number;
  renderRow: (index: number, style: React.CSSProperties) => ReactNode;
  overscan?: number;
  stickToBottom?: boolean;
  className?: string;
  label?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = ref.current;
    if (stickToBottom && el && atBottom.current) {
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }
  }, [count, stickToBottom]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight * 2;
    setScrollTop(el.scrollTop);
  }, [rowHeight]);

  useEffect(() => {
    const el = ref.current;
    if (el && scrollTop > count * rowHeight) el.scrollTop = Math.max(0, count * rowHeight - el.clientHeight);
  }, [count, rowHeight, scrollTop]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) rows.push(renderRow(i, { top: i * rowHeight, height: rowHeight }));
  return (
    <div ref={ref} className={className} onScroll={onScroll} role="list" aria-label={label} data-testid={testId} tabIndex={0}>
      <div style={{ height: count * rowHeight, position: "relative" }}>{rows}</div>
    </div>
  );
}
