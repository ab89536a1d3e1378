// Validates every object of a kustomization (default deploy/k8s) against the Kubernetes API:
//  1. the OpenAPI schema of its kind (types, required fields, enums, formats) through kubernetes-models;
//  2. no unknown fields, as `kubectl apply --validate=strict` would refuse them, by walking the object
//     along the generated @kubernetes/client-node model of its kind (the OpenAPI schema does not
//     forbid extra properties, so step 1 alone would let a misspelt `readinessProbe` pass).
// A resource that is a folder is read as its own kustomization (deploy/k8s/monitoring lists ../).
// Objects of the Prometheus operator (ServiceMonitor) are checked against its CRD schema
// (@kubernetes-models/prometheus-operator); step 2 has no model for them.
// Prints one line per object and exits 1 on the first file with errors (all errors listed).
import fs from "node:fs";
import path from "node:path";
import * as yaml from "js-yaml";

const dir = path.resolve(process.argv[2] ?? "deploy/k8s");
const errors = [];
const models = new Map(); // client-node model name -> its attribute map, or null
let count = 0;

function resources(folder) {
  const kustomization = yaml.load(fs.readFileSync(path.join(folder, "kustomization.yaml"), "utf8"));
  return kustomization.resources.flatMap((entry) => {
    const full = path.join(folder, entry);
    return fs.statSync(full).isDirectory() ? resources(full) : [full];
  });
}

for (const full of resources(dir)) {
  const file = path.relative(dir, full);
  const docs = yaml.loadAll(fs.readFileSync(full, "utf8")).filter(Boolean);
  for (const doc of docs) {
    count++;
    const where = `${file}: ${doc.kind ?? "?"}/${doc.metadata?.name ?? "?"}`;
    const found = [...(await schemaErrors(doc)), ...(await unknownFields(doc))];
    for (const e of found) errors.push(`${where}: ${e}`);
    console.log(`${found.length === 0 ? "ok     " : "INVALID"} ${where} (${doc.apiVersion})`);
  }
}

if (count === 0) errors.push(`no objects found in ${dir}`);
if (errors.length > 0) {
  console.error(errors.join("\n"));
  process.exit(1);
}
console.log(`validate-k8s: ${count} objects valid against the Kubernetes schema`);

function groupVersion(apiVersion) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return { group, version };
}

async function schemaErrors(doc) {
  if (!doc.apiVersion || !doc.kind) return ["apiVersion and kind are required"];
  const { group, version } = groupVersion(doc.apiVersion);
  const models = group === "monitoring.coreos.com" ? "@kubernetes-models/prometheus-operator" : "kubernetes-models";
  let model;
  try {
    model = (await import(`${models}/${group ? `${group}/` : ""}${version}/${doc.kind}`))[doc.kind];
  } catch {
    return [`unknown kind ${doc.kind} in ${doc.apiVersion}`];
  }
  try {
    new model(doc).validate();
    return [];
  } catch (e) {
    return [e.message];
  }
}

async function unknownFields(doc) {
  const { version } = groupVersion(doc.apiVersion ?? "");
  const found = [];
  await walk(doc, `${version[0].toUpperCase()}${version.slice(1)}${doc.kind}`, "", found);
  return found;
}

async function attributes(type) {
  if (!models.has(type)) {
    try {
      const module = await import(`@kubernetes/client-node/dist/gen/models/${type}.js`);
      models.set(type, module[type].getAttributeTypeMap());
    } catch {
      models.set(type, null); // a primitive or free-form type (string, IntOrString, object, ...)
    }
  }
  return models.get(type);
}

async function walk(value, type, at, found) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) for (const [i, item] of value.entries()) await walk(item, array[1], `${at}[${i}]`, found);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [key, item] of Object.entries(value)) await walk(item, map[1], `${at}.${key}`, found);
    return;
  }
  const attrs = await attributes(type);
  if (!attrs || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const attr = attrs.find((a) => a.baseName === key);
    if (!attr) found.push(`unknown field ${at ? `${at}.` : ""}${key} (not in ${type})`);
    else await walk(item, attr.type, at ? `${at}.${key}` : key, found);
  }
}
