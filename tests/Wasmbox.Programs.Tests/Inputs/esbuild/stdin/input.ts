type Celsius = number;
const readings: Celsius[] = [21.5, 22.25, 19.75, 23];
const average = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
export const summary = { count: readings.length, average: average(readings) } as const;
if (summary.count > 3) {
  console.log(`average ${summary.average}`);
}
