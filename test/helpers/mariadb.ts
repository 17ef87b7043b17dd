import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";

/** Where the test MariaDB (or MySQL) server is; each test gets a database of its own on it. */
export const MYSQL_ADMIN_URL = process.env.GATEHOUSE_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

export type MysqlDatabase = {
  /** `mysql://user:pass@host:port/name`, what `--source` takes. */
  url: string;
  name: string;
  /** A connection to it, for filling it and for watching it. */
  connection: mysql.Connection;
  drop: () => Promise<void>;
};

const adminConnection = () =>
  mysql.createConnection({
    uri: MYSQL_ADMIN_URL,
    connectTimeout: 3_000,
    multipleStatements: true,
    charset: "utf8mb4_unicode_ci",
  });

/** Why the server cannot be used, or null when it answers. */
export async function mysqlUnavailable(): Promise<string | null> {
  try {
    const connection = await adminConnection();
    await connection.end();
    return null;
  } catch (error) {
    return `${(error as Error).message} (${MYSQL_ADMIN_URL.replace(/\/\/[^@]*@/, "//")})`;
  }
}

/** Creates a uniquely named database holding `schema` (statements separated by `;`). */
export async function createMysqlDatabase(schema: string): Promise<MysqlDatabase> {
  const name = `gatehouse_source_${randomBytes(6).toString("hex")}`;
  const admin = await adminConnection();
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = new URL(MYSQL_ADMIN_URL);
  url.pathname = `/${name}`;
  const connection = await mysql.createConnection({
    uri: url.toString(),
    multipleStatements: true,
    charset: "utf8mb4_unicode_ci",
  });
  await connection.query(schema);
  return {
    url: url.toString(),
    name,
    connection,
    drop: async () => {
      await connection.end().catch(() => connection.destroy());
      const dropper = await adminConnection();
      await dropper.query(`DROP DATABASE IF EXISTS ${name}`);
      await dropper.end();
    },
  };
}
