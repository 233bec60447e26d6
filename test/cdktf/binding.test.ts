/**
 * The address a data source is bound to when the stack's only provider of
 * ours has an alias (its own `base_url` and credentials): `atlasflex.<alias>`,
 * exactly, in the synthesized JSON of both flavours and in either order of
 * construction. The unaliased address (`atlasflex`) would read through
 * another provider block, with other credentials.
 */
import * as cdktf from "cdktf"
import * as cdktn from "cdktn"
import { describe, expect, it } from "vitest"
import * as forCdktn from "../../src/cdktf/cdktn/index.js"
import * as forCdktf from "../../src/cdktf/index.js"
import { EmulatorSeed } from "../../src/emulator/seed.js"

type Json = Record<string, any>

const flavours = {
  cdktf: { lib: cdktf, entry: forCdktf },
  cdktn: { lib: cdktn, entry: forCdktn },
} as const

const aliasedOnly = (flavour: keyof typeof flavours, providerFirst: boolean): Json => {
  const { lib, entry } = flavours[flavour] as unknown as (typeof flavours)["cdktn"]
  const stack = new lib.TerraformStack(lib.Testing.app(), "stack")
  const provider = () =>
    new entry.MongodbatlasProvider(stack, "eu", {
      alias: "eu",
      baseUrl: "http://127.0.0.1:4010",
      clientId: "mdb_sa_id_eu",
    })
  if (providerFirst) provider()
  new entry.DataMongodbatlasFlexRestoreJob(stack, "job", {
    projectId: EmulatorSeed.groupId,
    name: EmulatorSeed.clusterName,
    restoreJobId: EmulatorSeed.jobs.completed,
  })
  if (!providerFirst) provider()
  return JSON.parse(lib.Testing.synth(stack)) as Json
}

describe("a stack whose only provider of ours is aliased", () => {
  for (const flavour of ["cdktf", "cdktn"] as const)
    for (const providerFirst of [true, false])
      it(`binds its data sources to atlasflex.<alias> (${flavour}, provider ${providerFirst ? "first" : "last"})`, () => {
        const json = aliasedOnly(flavour, providerFirst)
        expect(json["data"]["mongodbatlas_flex_restore_job"]["job"]["provider"]).toBe("atlasflex.eu")
        expect(json["provider"]).toStrictEqual({
          atlasflex: [{ alias: "eu", base_url: "http://127.0.0.1:4010", client_id: "mdb_sa_id_eu" }],
        })
      })
})
