import { describe, expect, it, vi } from "vitest"
import { main } from "../../examples/effect/main.js"

describe("examples/effect", () => {
  it("reads a job and follows the progressing one to COMPLETED against the emulator", async () => {
    const lines: Array<string> = []
    const log = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)))
    try {
      const [job, done] = await main({})
      expect(job.status).toBe("COMPLETED")
      expect(done.status).toBe("COMPLETED")
      expect(lines[0]).toContain(job.id!)
      expect(lines.some((l) => l.includes("RUNNING"))).toBe(true)
      expect(lines.at(-1)).toContain("COMPLETED")
    } finally {
      log.mockRestore()
    }
  })
})
