/**
 * Deterministic "source systems": the shop's order export and the IoT gateway's sensor
 * readings for one day. The same day always gives the same data, so re-landing a partition is
 * idempotent and the tests can assert exact gold values.
 *
 * The data is deliberately a little dirty, so the silver layer has something to clean:
 * - orders: one order per day is exported twice (a resend), and now and then an order
 *   references customer 13, who is not in the CRM export (a dbt `relationships` test warns);
 * - sensor readings: one reading per day is delivered twice, and one carries the gateway's
 *   sentinel value -999 (a failed read).
 */

/** A small seeded PRNG (FNV-1a seed, xorshift-multiply steps): same seed, same sequence. */
export function rng(seed: string): () => number {
  let h = 2166136261;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return () => {
    h = Math.imul(h ^ (h >>> 15), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return ((h ^= h >>> 16) >>> 0) / 4294967296;
  };
}

export interface RawOrder {
  order_id: string;
  customer_id: number;
  status: "placed" | "shipped" | "completed" | "returned";
  amount_cents: number;
  currency: string;
  ordered_at: string;
}

export interface RawSensorReading {
  sensor_id: string;
  room: string;
  read_at: string;
  temperature_c: number;
  humidity_pct: number;
}

const STATUSES: RawOrder["status"][] = ["placed", "shipped", "completed", "completed", "completed", "returned"];

/** The shop's order export for `day` (YYYY-MM-DD): 12–19 orders, one of them sent twice. */
export function ordersForDay(day: string): RawOrder[] {
  const random = rng(`orders:${day}`);
  const n = 12 + Math.floor(random() * 8);
  const compact = day.replaceAll("-", "");
  const orders: RawOrder[] = [];
  for (let i = 1; i <= n; i++) {
    const minute = Math.floor((i - 1 + random()) * ((24 * 60) / n));
    const hh = String(Math.floor(minute / 60)).padStart(2, "0");
    const mm = String(minute % 60).padStart(2, "0");
    orders.push({
      order_id: `${compact}-${String(i).padStart(3, "0")}`,
      // 1 in 25 orders comes from customer 13, unknown to the CRM.
      customer_id: random() < 0.04 ? 13 : 1 + Math.floor(random() * 12),
      status: STATUSES[Math.floor(random() * STATUSES.length)]!,
      amount_cents: 500 + Math.floor(random() * 20_000),
      currency: "EUR",
      ordered_at: `${day}T${hh}:${mm}:00Z`,
    });
  }
  orders.push({ ...orders[Math.floor(random() * n)]! }); // the resend
  return orders;
}

export const SENSORS = [
  { sensor_id: "s-01", room: "cold-store" },
  { sensor_id: "s-02", room: "warehouse" },
  { sensor_id: "s-03", room: "office" },
  { sensor_id: "s-04", room: "server-room" },
] as const;

const BASE_TEMPERATURE: Record<string, number> = { "cold-store": 4, warehouse: 16, office: 21, "server-room": 24 };

/** The gateway's readings for `day`: every sensor once an hour, plus a duplicate and a failed read. */
export function sensorReadingsForDay(day: string): RawSensorReading[] {
  const random = rng(`sensors:${day}`);
  const rows: RawSensorReading[] = [];
  for (let hour = 0; hour < 24; hour++) {
    for (const s of SENSORS) {
      const daily = Math.sin(((hour - 8) / 24) * 2 * Math.PI); // warmest in the afternoon
      rows.push({
        sensor_id: s.sensor_id,
        room: s.room,
        read_at: `${day}T${String(hour).padStart(2, "0")}:00:00Z`,
        temperature_c: Math.round((BASE_TEMPERATURE[s.room]! + daily * 2 + (random() - 0.5)) * 10) / 10,
        humidity_pct: Math.round((40 + random() * 20) * 10) / 10,
      });
    }
  }
  const failed = Math.floor(random() * rows.length);
  rows[failed] = { ...rows[failed]!, temperature_c: -999 };
  rows.push({ ...rows[(failed + 7) % rows.length]! }); // delivered twice
  return rows;
}
