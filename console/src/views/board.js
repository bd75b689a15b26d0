// Opportunities as a board: one column per stage (the stage options of the metadata), each with
// its count and the sum of its amounts; dragging a card to another column (or choosing the stage
// in the card's menu, for the keyboard) PUTs the new stage. On an error the card stays where it
// was and the reason shows.

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { defsOf } from '../meta.js';
import { ErrorNote, Loading, href, html, useLoad } from '../ui.js';

const PER_STAGE = 50;

export function BoardView() {
  const stages = (defsOf('Opportunity').fields.stage || {}).options || [];
  const [error, setError] = useState(null);
  const [over, setOver] = useState(null);
  const board = useLoad(
    () =>
      Promise.all(
        stages.map((stage) =>
          api('GET', '/Opportunity', {
            query: {
              maxSize: PER_STAGE,
              orderBy: 'closeDate',
              order: 'asc',
              select: 'id,name,amount,amountCurrency,closeDate,accountId,accountName,stage',
              where: JSON.stringify([{ type: 'equals', attribute: 'stage', value: stage }]),
            },
          }),
        ),
      ),
    [],
  );
  const move = async (id, stage) => {
    setError(null);
    try {
      await api('PUT', `/Opportunity/${encodeURIComponent(id)}`, { body: { stage } });
    } catch (e) {
      setError(e);
    }
    board.reload();
  };
  if (board.loading && !board.data) return html`<${Loading} what="the board" />`;
  return html`<section class="board-page" aria-label="Opportunities by stage">
    <header class="page-head"><h1>Opportunities by stage</h1>
      <div class="actions"><a class="button" href=${href('Opportunity')}>List</a>
        <a class="button primary" href=${href('Opportunity/create')}>Create Opportunity</a></div></header>
    <${ErrorNote} error=${board.error || error} />
    <div class="board">
      ${board.data &&
      stages.map((stage, i) => {
        const column = board.data[i];
        const sum = column.list.reduce((s, o) => s + (Number(o.amount) || 0), 0);
        return html`<section key=${stage} class=${`column${over === stage ? ' over' : ''}`} data-stage=${stage}
            aria-label=${`Stage ${stage}`}
            onDragOver=${(e) => {
              e.preventDefault();
              setOver(stage);
            }}
            onDragLeave=${() => setOver(null)}
            onDrop=${(e) => {
              e.preventDefault();
              setOver(null);
              const id = e.dataTransfer.getData('text/plain');
              if (id) move(id, stage);
            }}>
          <header><h2>${stage}</h2>
            <p class="muted"><span class="count">${column.total}</span> · ${sum.toLocaleString()}</p></header>
          ${column.list.map(
            (o) => html`<article key=${o.id} class="card" draggable="true" data-id=${o.id}
                onDragStart=${(e) => {
                  e.dataTransfer.setData('text/plain', o.id);
                  e.dataTransfer.effectAllowed = 'move';
                }}>
              <a href=${href(`Opportunity/${encodeURIComponent(o.id)}`)}>${o.name}</a>
              <p>${o.amount != null ? `${Number(o.amount).toLocaleString()} ${o.amountCurrency || ''}` : ''}</p>
              <p class="muted">${o.accountName || ''} ${o.closeDate || ''}</p>
              <label class="sr-only" for=${`stage-${o.id}`}>Stage of ${o.name}</label>
              <select id=${`stage-${o.id}`} class="small" value=${stage}
                      onChange=${(e) => move(o.id, e.currentTarget.value)}>
                ${stages.map((s) => html`<option value=${s}>${s}</option>`)}
              </select>
            </article>`,
          )}
        </section>`;
      })}
    </div>
  </section>`;
}
