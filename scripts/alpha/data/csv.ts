import { readFileSync } from "node:fs";

/** A header-addressed CSV table. The market files carry no quoted fields, which is checked. */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  column(name: string): number;
}

export function parseCsv(text: string, source: string): CsvTable {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const first = lines[0];
  if (first === undefined) throw new Error(`${source}: empty file`);
  if (text.includes('"')) throw new Error(`${source}: quoted CSV fields are not supported`);
  const header = first.split(",").map((h) => h.trim());
  const rows = lines.slice(1).map((line, i) => {
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new Error(`${source}:${i + 2}: expected ${header.length} fields, found ${cells.length}`);
    }
    return cells;
  });
  return {
    header,
    rows,
    column(name: string): number {
      const index = header.indexOf(name);
      if (index < 0) throw new Error(`${source}: no column "${name}" (have ${header.join(", ")})`);
      return index;
    },
  };
}

export function readCsv(path: string): CsvTable {
  return parseCsv(readFileSync(path, "utf8"), path);
}

/** Reads a finite number from a cell, naming the file, row and column on failure. */
export function numberCell(row: readonly string[], index: number, where: string): number {
  const cell = row[index];
  const value = cell === undefined || cell.trim() === "" ? Number.NaN : Number(cell);
  if (!Number.isFinite(value)) throw new Error(`${where}: "${cell ?? ""}" is not a number`);
  return value;
}

export function stringCell(row: readonly string[], index: number, where: string): string {
  const cell = row[index];
  if (cell === undefined) throw new Error(`${where}: missing field ${index}`);
  return cell;
}
