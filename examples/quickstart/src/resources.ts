import { env, resource, secret, z } from "strata";

export interface ExchangeRates {
  /** Euros per unit of `currency`. */
  toEur(currency: string): number;
}

/**
 * A stand-in for an FX-rate API client. Its token comes from the environment and is secret:
 * Strata redacts it from logs, events and errors.
 */
export const exchangeRates = resource({
  description: "Exchange rates (EUR base)",
  config: z.object({ apiToken: secret(z.string().min(4)), baseUrl: z.string().url() }),
  create: ({ apiToken }): ExchangeRates => {
    const rates: Record<string, number> = { EUR: 1, USD: 0.92, GBP: 1.17, SEK: 0.087 };
    return {
      toEur(currency) {
        const r = rates[currency];
        if (r === undefined) throw new Error(`No rate for ${currency} (token ${apiToken})`);
        return r;
      },
    };
  },
});

export const exchangeRatesFromEnv = exchangeRates.configure({
  apiToken: env("FX_API_TOKEN", { secret: true, default: "demo-token" }),
  baseUrl: env("FX_API_URL", { default: "https://fx.example.com" }),
});
