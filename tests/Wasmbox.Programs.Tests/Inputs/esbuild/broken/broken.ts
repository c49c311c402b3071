export function area(r: number): number {
  return Math.PI * r * r;
}

export const = area(2);
