export type Greeting = { text: string; direction: string };

export function greet(name: string, direction: string): Greeting {
  return { text: `hello, ${name} (${direction})`, direction };
}

// Never imported: tree shaking drops it from the bundle.
export function farewell(name: string): string {
  return `goodbye, ${name}`;
}
