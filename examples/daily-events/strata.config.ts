import { defineDefinitions } from "strata";
import { dailySessions, growthComputed, rawPageViews, userGrowth, weeklyViews } from "./src/events.ts";

export default defineDefinitions({
  assets: [rawPageViews, dailySessions, userGrowth, weeklyViews],
  checks: [growthComputed],
});
