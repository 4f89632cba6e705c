export declare const WEB_DIR: string;
export declare const WEB_DIST: string;
export declare function webBuildIsFresh(): boolean;
export declare function ensureWebBuild(options?: {
  force?: boolean;
  log?: (line: string) => void;
}): Promise<"fresh" | "built">;
