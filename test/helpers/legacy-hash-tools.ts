import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Password hashes made by the real tools of the originals' ecosystems, at test time: werkzeug
 * (the `python3` on PATH), Apache's `htpasswd` (bcrypt `$2y$`, as PHP writes it), Python's
 * bcrypt (`$2a$`, `$2b$`) and Java's own
 * PBKDF2 (javax.crypto) laid out as Spring's Pbkdf2PasswordEncoder stores it. Each returns null
 * when its tool is missing; `toolMissing` decides whether that skips or fails.
 */

const runs = (command: string, args: string[]) => spawnSync(command, args, { encoding: "utf8" }).status === 0;

/** Fails when services are required, else warns loudly and skips the test. */
export function toolMissing(t: { skip: (message: string) => void }, what: string): void {
  const message = `${what} IS NOT AVAILABLE: hashes it would make are checked from the committed fixtures only`;
  if (process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1") throw new Error(message);
  console.warn(`!!! ${message} !!!`);
  t.skip(message);
}

const WERKZEUG_SCRIPT = `
import json, sys
from werkzeug.security import generate_password_hash, check_password_hash, _hash_internal
jobs = json.load(sys.stdin)
out = []
for method, password in jobs:
    if method == "implied-count":
        # werkzeug never writes a pbkdf2 hash without its count; build one and check that werkzeug reads it.
        hexval, _ = _hash_internal("pbkdf2:sha256", "impliedSalt", password)
        hash = "pbkdf2:sha256$impliedSalt$" + hexval
    else:
        hash = generate_password_hash(password, method=method)
    assert check_password_hash(hash, password), hash
    out.append(hash)
print(json.dumps(out))
`;

/** werkzeug's `generate_password_hash(password, method)` for each pair; "implied-count" as above. */
export function werkzeugHashes(jobs: [method: string, password: string][]): string[] | null {
  if (!runs("python3", ["-c", "import werkzeug.security"])) return null;
  const output = execFileSync("python3", ["-c", WERKZEUG_SCRIPT], { input: JSON.stringify(jobs), encoding: "utf8" });
  return JSON.parse(output) as string[];
}

/**
 * Python's bcrypt module (Debian's python3-bcrypt, for `/usr/bin/python3`): `$2a$` as Spring's
 * BCryptPasswordEncoder and most Java and Node libraries write it, or `$2b$`.
 */
export function pythonBcrypt(password: string, cost: number, prefix: "2a" | "2b"): string | null {
  if (!runs("/usr/bin/python3", ["-c", "import bcrypt"])) return null;
  const script =
    "import bcrypt, sys; print(bcrypt.hashpw(sys.stdin.buffer.read(), bcrypt.gensalt(int(sys.argv[1]), prefix=sys.argv[2].encode())).decode())";
  return execFileSync("/usr/bin/python3", ["-c", script, String(cost), prefix], { input: password, encoding: "utf8" }).trim();
}

/** `htpasswd -bnBC cost user password`: bcrypt `$2y$`. */
export function htpasswdBcrypt(password: string, cost: number): string | null {
  if (!runs("htpasswd", ["-bnBC", "4", "probe", "probe"])) return null;
  const line = execFileSync("htpasswd", ["-bnBC", String(cost), "user", password], { encoding: "utf8" }).trim();
  return line.slice(line.indexOf(":") + 1);
}

const SPRING_PBKDF2_JAVA = `
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

public class SpringPbkdf2 {
  // Spring's layout: hex(salt || PBKDF2(password, salt || secret, iterations, 256 bits)), secret empty.
  static String encode(String password, String algorithm, int saltBytes, int iterations) throws Exception {
    byte[] salt = new byte[saltBytes];
    new SecureRandom().nextBytes(salt);
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
    byte[] key = SecretKeyFactory.getInstance(algorithm).generateSecret(spec).getEncoded();
    byte[] all = new byte[salt.length + key.length];
    System.arraycopy(salt, 0, all, 0, salt.length);
    System.arraycopy(key, 0, all, salt.length, key.length);
    return HexFormat.of().formatHex(all);
  }

  public static void main(String[] args) throws Exception {
    String password = new String(HexFormat.of().parseHex(args[0]), StandardCharsets.UTF_8);
    System.out.println("{pbkdf2}" + encode(password, "PBKDF2WithHmacSHA1", 8, 185000));
    System.out.println("{pbkdf2@SpringSecurity_v5_8}" + encode(password, "PBKDF2WithHmacSHA256", 16, 310000));
  }
}
`;

/** `{pbkdf2}` (Spring 5.0–5.7 defaults) and `{pbkdf2@SpringSecurity_v5_8}`, made by the JDK. */
export function springPbkdf2Hashes(password: string): [string, string] | null {
  if (!runs("java", ["-version"])) return null;
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-spring-"));
  try {
    const source = join(dir, "SpringPbkdf2.java");
    writeFileSync(source, SPRING_PBKDF2_JAVA);
    const hex = Buffer.from(password, "utf8").toString("hex");
    const lines = execFileSync("java", [source, hex], { encoding: "utf8", timeout: 60_000 }).trim().split("\n");
    const [v55, v58] = lines.map((line) => line.trim());
    if (!v55 || !v58) throw new Error(`unexpected output from the Java PBKDF2 program: ${lines.join(" | ")}`);
    return [v55, v58];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type LegacyFixture = { scheme: string; hash: string; password: string; madeBy: string };

/** The committed hashes (test/core/legacy-hashes.fixtures.json), made once by the tools above. */
export function committedFixtures(): LegacyFixture[] {
  const file = new URL("../core/legacy-hashes.fixtures.json", import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { hashes: LegacyFixture[] }).hashes;
}
