// What the views need to know about entities, derived from GET /Metadata only (no per-entity
// code): which entities to list, their columns, their editable fields and their related lists.

import { api } from './api.js';

let metadata = null;

export async function loadMetadata() {
  metadata = await api('GET', '/Metadata');
  return metadata;
}

export function defsOf(entity) {
  return (metadata && metadata.entityDefs[entity]) || { fields: {}, links: {} };
}

export function hasEntity(entity) {
  return !!(metadata && metadata.entityDefs[entity]);
}

// Entities with pages of their own under Administration.
const kAdminEntities = new Set(['Webhook', 'Role']);

// The entities of the navigation: the CRM's objects the user's access table lets it read.
export function navEntities(acl) {
  return Object.entries(metadata.scopes)
    .filter(([name, scope]) => scope.entity && scope.object && !kAdminEntities.has(name))
    .filter(([name]) => {
      const rights = acl && acl.table && acl.table[name];
      return !rights || rights === true || (rights.read && rights.read !== 'no');
    })
    .map(([name]) => name);
}

const kScalarTypes = new Set([
  'varchar', 'enum', 'email', 'phone', 'currency', 'int', 'float', 'date', 'datetime', 'bool', 'url',
]);
// Fields no list needs a column for.
const kBookkeeping = new Set(['createdBy', 'modifiedBy', 'modifiedAt', 'createdAt', 'assignedUser']);

const kNameParts = new Set(['salutationName', 'firstName', 'lastName', 'middleName']);

// List columns: the name, the first few scalar fields, then the assigned user and creation date.
export function listColumns(entity) {
  const fields = defsOf(entity).fields;
  const names = Object.keys(fields);
  const columns = [];
  if (fields.name) columns.push('name');
  // A person's name already shows its parts.
  const parts = fields.name && fields.name.type === 'personName' ? kNameParts : new Set();
  for (const name of names) {
    if (columns.length >= 5) break;
    const f = fields[name];
    if (name === 'name' || parts.has(name) || f.type === 'bool') continue;
    if (kScalarTypes.has(f.type) && !kBookkeeping.has(name) && !f.readOnly) {
      columns.push(name);
    }
  }
  if (fields.assignedUser) columns.push('assignedUser');
  if (fields.createdAt) columns.push('createdAt');
  return columns;
}

// The attributes a field is read from and written to (EspoCRM's naming).
export function attributeOf(entity, field) {
  const f = defsOf(entity).fields[field] || {};
  if (f.type === 'link') return field + 'Id';
  return field;
}

export function linkTarget(entity, link) {
  const l = defsOf(entity).links[link];
  return l && l.entity;
}

// Fields the record form edits, each as {name, def}; personName becomes its parts.
export function editableFields(entity) {
  const fields = defsOf(entity).fields;
  const out = [];
  for (const [name, def] of Object.entries(fields)) {
    if (def.readOnly || def.type === 'foreign' || def.type === 'linkOne') continue;
    if (def.type === 'linkMultiple' || def.type === 'jsonObject' || def.type === 'linkParent') continue;
    if (def.type === 'personName' || def.type === 'address') continue;
    if (def.type === 'link' && name === 'assignedUser') continue;
    out.push({ name, def });
  }
  return out;
}

// Fields the record view shows (everything but the parts a composite field already shows).
export function viewFields(entity) {
  const fields = defsOf(entity).fields;
  return Object.entries(fields)
    .filter(([, def]) => def.type !== 'linkMultiple' && def.type !== 'jsonObject')
    .map(([name, def]) => ({ name, def }));
}

// The related lists of a record: its hasMany links, without the bookkeeping ones.
export function relatedLinks(entity) {
  const links = defsOf(entity).links || {};
  return Object.entries(links)
    .filter(([name, l]) => l.type === 'hasMany' && name !== 'teams' && !name.endsWith('Primary'))
    .map(([name, l]) => ({ name, entity: l.entity }));
}

export function hasActivities(entity) {
  const links = defsOf(entity).links || {};
  return !!(links.calls || links.meetings || links.tasks);
}

// "emailAddress" -> "Email address".
export function label(name) {
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// The where operators the filter chips offer for a field type.
export function operatorsFor(def) {
  switch (def && def.type) {
    case 'date':
    case 'datetime':
      return ['on', 'after', 'before', 'isNull', 'isNotNull'];
    case 'int':
    case 'float':
    case 'currency':
      return ['equals', 'greaterThan', 'lessThan', 'isNull', 'isNotNull'];
    case 'bool':
      return ['isTrue', 'isFalse'];
    case 'enum':
      return ['equals', 'notEquals', 'isNull', 'isNotNull'];
    case 'link':
      return ['isNull', 'isNotNull'];
    default:
      return ['contains', 'equals', 'startsWith', 'isNull', 'isNotNull'];
  }
}

export function takesValue(op) {
  return !['isNull', 'isNotNull', 'isTrue', 'isFalse'].includes(op);
}
