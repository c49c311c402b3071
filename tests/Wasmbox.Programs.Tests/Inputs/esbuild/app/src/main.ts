import { clamp } from "tiny-clamp";
import { greet, Greeting } from "./greet";
import { formatTable } from "./util/format.js";
import defaults from "./defaults.json";
import "./style.css";

interface Point {
  x: number;
  y: number;
}

enum Direction {
  Up = "up",
  Down = "down",
}

const points: Point[] = [
  { x: 3, y: 4 },
  { x: -1, y: 12 },
  { x: 0.5, y: -0.25 },
];

function norm({ x, y }: Point): number {
  return Math.sqrt(x * x + y * y);
}

export class Report {
  #rows: string[][] = [];

  add(...cells: Array<string | number>): this {
    this.#rows.push(cells.map(String));
    return this;
  }

  render(): string {
    return formatTable(this.#rows);
  }
}

const greeting: Greeting = greet(defaults.name, Direction.Up);
const report = new Report().add("x", "y", "norm");
for (const p of points) report.add(p.x, p.y, clamp(norm(p), 0, defaults.maxNorm).toFixed(2));
console.log(greeting.text);
console.log(report.render());
