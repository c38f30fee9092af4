export async function runDriverBenchmark(_flags: { vus: number; thinkTime: number; duration: number }, out: NodeJS.WriteStream): Promise<void> {
  out.write('todo\n');
}
