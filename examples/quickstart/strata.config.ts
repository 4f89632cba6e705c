import { defineDefinitions } from "strata";
import { customerRevenue, dailyRevenue, orders, rawCustomers, rawOrders, revenuePositive } from "./src/assets.ts";
import { exchangeRatesFromEnv } from "./src/resources.ts";

export default defineDefinitions({
  assets: [rawOrders, rawCustomers, orders, customerRevenue, dailyRevenue],
  checks: [revenuePositive],
  resources: { fx: exchangeRatesFromEnv },
  executor: { maxConcurrent: 4 },
});
