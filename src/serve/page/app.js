// The newsidx search page: reads its state from the URL (the API's own parameter names), asks the
// JSON API, and builds the results or one article's view with createElement and textContent only.
// Article text is untrusted: nothing from the API is ever parsed as HTML.
'use strict';

(() => {
  const LIMIT = 10;
  const FACET_TYPES = ['person', 'org', 'place', 'source'];
  const FACET_LIMIT = 15;
  const TYPE_NAMES = { person: 'People', org: 'Organisations', place: 'Places', source: 'Sources' };
  const TYPE_SINGULAR = { person: 'Person', org: 'Organisation', place: 'Place', source: 'Source' };
  const SORTS = ['relevance', 'newest', 'oldest'];
  const DAY = 86400000;

  const $ = (id) => document.getElementById(id);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8');
  const numbers = new Intl.NumberFormat('en-US');

  // ---- DOM helpers (text only) ----------------------------------------------------------------

  /** An element with attributes (`class`, `text`, `aria-*`, `data-*`, or a property) and children. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('aria-') || key.startsWith('data-') || key === 'role') {
        node.setAttribute(key, value === true ? 'true' : String(value));
      } else node[key] = value;
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  /**
   * `text` with the UTF-8 byte ranges `ranges` ([start, end] pairs) wrapped by `wrap(part, range)`.
   * The ranges index the UTF-8 bytes, so the text is cut as bytes and decoded piece by piece.
   */
  function markRanges(text, ranges, wrap) {
    const bytes = encoder.encode(text);
    const sorted = ranges
      .map((r) => ({ start: r.start, end: r.end, item: r }))
      .filter((r) => Number.isInteger(r.start) && Number.isInteger(r.end) && r.start < r.end)
      .sort((a, b) => a.start - b.start || b.end - a.end);
    const out = document.createDocumentFragment();
    let at = 0;
    for (const r of sorted) {
      const start = Math.min(r.start, bytes.length);
      const end = Math.min(r.end, bytes.length);
      if (start < at || start >= end) continue; // overlapping or out of range
      if (start > at) out.append(decoder.decode(bytes.subarray(at, start)));
      out.append(wrap(decoder.decode(bytes.subarray(start, end)), r.item));
      at = end;
    }
    if (at < bytes.length) out.append(decoder.decode(bytes.subarray(at)));
    return out;
  }

  function clear(node) {
    node.replaceChildren();
    return node;
  }

  /** Only http(s) addresses become links. */
  function safeUrl(url) {
    return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
  }

  function plural(n, one, many) {
    return `${numbers.format(n)} ${n === 1 ? one : many}`;
  }

  // ---- dates -----------------------------------------------------------------------------------

  function formatDate(iso, opts) {
    if (!iso) return null;
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', ...opts });
  }

  function ymd(d) {
    return d.toISOString().slice(0, 10);
  }

  /** The start of the bucket after the one starting at `start`. */
  function nextBucket(start, interval) {
    const d = new Date(start.getTime());
    if (interval === 'day') d.setUTCDate(d.getUTCDate() + 1);
    else if (interval === 'week') d.setUTCDate(d.getUTCDate() + 7);
    else if (interval === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
    else d.setUTCFullYear(d.getUTCFullYear() + 1);
    return d;
  }

  /** The last day (YYYY-MM-DD) of the bucket starting at `start`; a bare `until` date covers the day. */
  function bucketLastDay(start, interval) {
    return ymd(new Date(nextBucket(start, interval).getTime() - DAY));
  }

  function bucketLabel(start, interval) {
    if (interval === 'day') return formatDate(start.toISOString());
    if (interval === 'week') return `Week of ${formatDate(start.toISOString())}`;
    if (interval === 'month') return formatDate(start.toISOString(), { day: undefined });
    return String(start.getUTCFullYear());
  }

  /** A date bound as the API takes it (2017-01-28, RFC 3339); NaN when the page cannot read it. */
  function parseBound(value) {
    if (!value) return NaN;
    const bare = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
    return Date.parse(bare);
  }

  /** day, week, month or year, from the span of days. */
  function intervalFor(days) {
    if (days <= 62) return 'day';
    if (days <= 400) return 'week';
    if (days <= 12 * 366) return 'month';
    return 'year';
  }

  // ---- state in the URL ------------------------------------------------------------------------

  function readState() {
    const p = new URLSearchParams(location.search);
    const offset = Number.parseInt(p.get('offset') || '0', 10);
    const sort = p.get('sort');
    return {
      q: p.get('q') || '',
      entity: p.getAll('entity').filter((v) => v !== ''),
      source: p.getAll('source').filter((v) => v !== ''),
      sort: SORTS.includes(sort) ? sort : null,
      offset: Number.isFinite(offset) && offset > 0 ? offset : 0,
      since: p.get('since') || null,
      until: p.get('until') || null,
      article: p.get('article') || null,
    };
  }

  /** The page's address for `state`, relative to the page (so a prefix in front of `/` keeps working). */
  function urlFor(state) {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    for (const e of state.entity) p.append('entity', e);
    for (const s of state.source) p.append('source', s);
    if (state.sort) p.set('sort', state.sort);
    if (state.offset > 0) p.set('offset', String(state.offset));
    if (state.since) p.set('since', state.since);
    if (state.until) p.set('until', state.until);
    if (state.article) p.set('article', state.article);
    const query = p.toString();
    return query ? `?${query}` : location.pathname;
  }

  /** Goes to `state`: a new history entry, then the page drawn for it. */
  function go(state) {
    history.pushState(null, '', urlFor(state));
    render({ navigated: true });
  }

  /** A link to `state` that the page follows itself (a modified click opens it as the browser would). */
  function navLink(state, props, ...children) {
    return el('a', { href: urlFor(state), 'data-nav': '', ...props }, ...children);
  }

  // ---- the API ---------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(kind, message) {
      super(message);
      this.kind = kind;
    }
  }

  async function api(path) {
    let response;
    try {
      response = await fetch(path, { headers: { Accept: 'application/json' } });
    } catch (_) {
      throw new ApiError('network', 'Could not reach the newsidx server. Is it still running?');
    }
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const err = body && body.error;
      const message = err && typeof err.message === 'string' ? err.message : `The server answered ${response.status} ${response.statusText}.`;
      throw new ApiError((err && err.kind) || 'http', message);
    }
    if (body === null) throw new ApiError('format', 'The server sent an answer that is not JSON.');
    return body;
  }

  let statsOnce = null;
  /**
   * `/api/stats`, fetched once; null when it fails (the histogram then uses months), and asked
   * again next time (the index may not exist yet).
   */
  function stats() {
    if (!statsOnce) {
      statsOnce = api('api/stats').catch(() => {
        statsOnce = null;
        return null;
      });
    }
    return statsOnce;
  }

  async function histogramInterval(state) {
    const since = parseBound(state.since);
    const until = parseBound(state.until);
    if (!Number.isNaN(since) && !Number.isNaN(until)) return intervalFor((until - since) / DAY);
    const s = await stats();
    const oldest = s && Date.parse(s.oldest);
    const newest = s && Date.parse(s.newest);
    if (!s || Number.isNaN(oldest) || Number.isNaN(newest)) return 'month';
    return intervalFor((newest - oldest) / DAY);
  }

  // ---- alerts ----------------------------------------------------------------------------------

  function showError(message) {
    const box = $('error');
    box.textContent = message;
    box.hidden = false;
  }

  function clearError() {
    const box = $('error');
    box.hidden = true;
    box.textContent = '';
  }

  // ---- rendering -------------------------------------------------------------------------------

  let drawn = 0; // the render whose answers may still be drawn; older ones are dropped

  async function render(opts = {}) {
    const state = readState();
    const mine = ++drawn;
    const focused = document.activeElement;
    const focusKey = focused instanceof HTMLElement ? focused.dataset.focusKey : undefined;
    $('q').value = state.q;
    document.body.classList.add('loading');
    $('main').setAttribute('aria-busy', 'true');
    try {
      if (state.article) await renderArticle(state, mine, opts);
      else await renderResults(state, mine, opts);
      if (mine === drawn) {
        clearError();
        if (focusKey && !state.article) restoreFocus(focusKey);
      }
    } catch (err) {
      if (mine !== drawn) return;
      showError(err instanceof ApiError ? err.message : `Something went wrong: ${err.message}`);
      if (!(err instanceof ApiError)) console.error(err);
    } finally {
      if (mine === drawn) {
        document.body.classList.remove('loading');
        $('main').removeAttribute('aria-busy');
      }
    }
  }

  /**
   * Redrawing replaces the control that had the focus: give it to its new copy (the same facet), or
   * to the nearest control of its kind, so that a keyboard user keeps their place.
   */
  function restoreFocus(key) {
    const now = document.activeElement;
    if (now && now !== document.body && now.isConnected && !now.disabled) return;
    const usable = (e) => e && !e.disabled && e.offsetParent !== null;
    let target;
    if (key === 'bar') target = $('bars').querySelector('.bar[tabindex="0"]');
    else if (key === 'pager') target = [$('prev'), $('next')].find(usable);
    else target = [...document.querySelectorAll('[data-focus-key]')].find((e) => e.dataset.focusKey === key && usable(e));
    if (!target && key === 'chip') target = document.querySelector('.chip') || $('q');
    if (usable(target)) target.focus({ preventScroll: true });
    else $('main').focus({ preventScroll: true });
  }

  function showView(name) {
    $('results-view').hidden = name !== 'results';
    $('article-view').hidden = name !== 'article';
  }

  async function renderResults(state, mine, opts) {
    const p = new URLSearchParams();
    p.set('q', state.q.trim() || '*');
    p.set('limit', String(LIMIT));
    p.set('offset', String(state.offset));
    if (state.since) p.set('since', state.since);
    if (state.until) p.set('until', state.until);
    for (const e of state.entity) p.append('entity', e);
    for (const s of state.source) p.append('source', s);
    p.set('facets', FACET_TYPES.join(','));
    p.set('facet_limit', String(FACET_LIMIT));
    if (state.sort) p.set('sort', state.sort);
    const interval = await histogramInterval(state);
    p.set('histogram', interval);
    let results;
    try {
      results = await api(`api/search?${p}`);
    } catch (err) {
      // Nothing stale stays on screen; the chips still let the reader undo a filter.
      if (mine === drawn) drawNoResults(state);
      throw err;
    }
    if (mine !== drawn) return;

    showView('results');
    document.title = state.q ? `${state.q} — newsidx` : 'newsidx';
    $('sort').value = SORTS.includes(results.sort) ? results.sort : state.sort || 'relevance';
    drawSummary(results);
    drawChips(state, results);
    drawHistogram(state, results, interval);
    drawHits(state, results);
    drawPager(state, results);
    drawFacets(state, results);
    if (opts.navigated && opts.scroll !== false) window.scrollTo(0, 0);
  }

  function drawNoResults(state) {
    showView('results');
    document.title = 'Error — newsidx';
    drawChips(state, { entity_filters: [] });
    const every = state.q.trim() === '' || state.q.trim() === '*';
    $('sort').value = state.sort || (every ? 'newest' : 'relevance');
    $('summary').textContent = '';
    clear($('hits'));
    $('empty').hidden = true;
    $('pager').hidden = true;
    $('histogram-box').hidden = true;
    clear($('facets')).hidden = true;
  }

  function drawSummary(results) {
    const articles = plural(results.total_hits, 'article', 'articles');
    const text = results.total_stories === null || results.total_stories === undefined
      ? articles
      : `${articles} in ${plural(results.total_stories, 'story', 'stories')}`;
    $('summary').textContent = text;
  }

  /** The entity an `entity=` value stands for, as the API resolved it. */
  function resolved(results, value) {
    const found = (results.entity_filters || []).find((f) => f.query === value);
    return found ? { type: found.type, name: found.name } : null;
  }

  function drawChips(state, results) {
    const chips = clear($('chips'));
    const chip = (label, description, next) => {
      chips.append(el('li', null, el('button', {
        type: 'button',
        class: 'chip',
        'data-focus-key': 'chip',
        'aria-label': `Remove filter ${description}`,
        onclick: () => go(next),
      }, el('span', { class: 'chip-text', text: label }), el('span', { class: 'chip-x', 'aria-hidden': 'true', text: '×' }))));
    };
    for (const value of state.entity) {
      const r = resolved(results, value);
      const colon = value.indexOf(':');
      const type = r ? r.type : colon > 0 ? value.slice(0, colon) : null;
      const name = r ? r.name : colon > 0 ? value.slice(colon + 1) : value;
      const label = type ? `${TYPE_SINGULAR[type] || type}: ${name}` : name;
      chip(label, label, { ...state, offset: 0, entity: state.entity.filter((v) => v !== value) });
    }
    for (const value of state.source) {
      chip(`Source: ${value}`, `source ${value}`, { ...state, offset: 0, source: state.source.filter((v) => v !== value) });
    }
    if (state.since || state.until) {
      const label = state.since && state.until
        ? `${state.since} to ${state.until}`
        : state.since ? `From ${state.since}` : `Until ${state.until}`;
      chip(`Dates: ${label}`, `dates ${label}`, { ...state, offset: 0, since: null, until: null });
    }
    $('filters').hidden = chips.childElementCount === 0;
  }

  function drawHits(state, results) {
    const list = clear($('hits'));
    results.hits.forEach((hit, i) => list.append(hitItem(state, hit, i)));
    $('empty').hidden = results.hits.length > 0;
  }

  /** The headline, else the API's label (the body's opening words), else the snippet's. */
  function headlineOf(item) {
    return item.title || openingWords(item.label || item.snippet, 14) || 'Untitled article';
  }

  function metaLine(item, withAuthor) {
    const parts = [];
    if (item.source) parts.push(el('span', { class: 'source', text: item.source }));
    parts.push(item.published
      ? el('time', { dateTime: item.published, text: formatDate(item.published) })
      : el('span', { class: 'muted', text: 'undated' }));
    if (withAuthor && item.author) parts.push(el('span', { class: 'author', text: `by ${item.author}` }));
    const link = safeUrl(item.url);
    if (link) parts.push(el('a', { href: link, rel: 'noopener noreferrer', class: 'external', text: 'original ↗' }));
    const out = document.createDocumentFragment();
    parts.forEach((part, i) => {
      if (i > 0) out.append(el('span', { class: 'sep', 'aria-hidden': 'true', text: ' · ' }));
      out.append(part);
    });
    return out;
  }

  function hitItem(state, hit, index) {
    const title = el('h2', { class: 'hit-title' }, navLink({ ...state, article: hit.id }, { class: hit.title ? null : 'untitled' }, headlineOf(hit)));
    const snippet = el('p', { class: 'snippet' }, markRanges(
      hit.snippet || '',
      (hit.highlights || []).map(([start, end]) => ({ start, end })),
      (text) => el('mark', { text }),
    ));
    // A snippet cut inside a sentence trails off.
    if (/[\p{L}\p{N},;:]$/u.test(hit.snippet || '')) snippet.append(el('span', { class: 'muted', 'aria-hidden': 'true', text: '…' }));
    const item = el('li', { class: 'hit' }, title, el('p', { class: 'meta' }, metaLine(hit, true)), snippet);
    const copies = hit.duplicates || [];
    if (copies.length > 0) {
      const listId = `copies-${index}`;
      const list = el('ul', { class: 'copies', id: listId, hidden: true });
      for (const copy of copies) list.append(copyItem(state, copy));
      const toggle = el('button', {
        type: 'button',
        class: 'link-button dup-toggle',
        'aria-expanded': 'false',
        'aria-controls': listId,
        text: `+${plural(copies.length, 'near-duplicate', 'near-duplicates')}`,
      });
      toggle.addEventListener('click', () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        list.hidden = !open;
      });
      item.append(el('div', { class: 'dups' }, toggle, list));
    }
    return item;
  }

  function copyItem(state, copy) {
    const distance = el('span', {
      class: 'distance',
      title: 'Estimated percent of the text that differs from the story\'s leader',
      text: `distance ${copy.distance}`,
    });
    return el('li', { class: 'copy' },
      navLink({ ...state, article: copy.id }, { class: copy.title ? null : 'untitled' }, headlineOf(copy)),
      el('span', { class: 'copy-meta meta' }, distance, el('span', { class: 'sep', 'aria-hidden': 'true', text: ' · ' }), metaLine(copy, false)));
  }

  function drawPager(state, results) {
    const total = results.total_stories ?? results.total_hits;
    const pages = Math.max(1, Math.ceil(total / LIMIT));
    const page = Math.floor(state.offset / LIMIT) + 1;
    $('pager').hidden = total <= LIMIT && state.offset === 0;
    $('prev').disabled = state.offset === 0;
    $('next').disabled = state.offset + LIMIT >= total;
    $('page-info').textContent = `Page ${numbers.format(page)} of ${numbers.format(pages)}`;
  }

  function entityActive(state, results, type, name) {
    if (type === 'source') return state.source.some((s) => s.toLowerCase() === name.toLowerCase());
    return state.entity.some((value) => {
      if (value === `${type}:${name}`) return true;
      const r = resolved(results, value);
      return r !== null && r.type === type && r.name === name;
    });
  }

  /** `state` with the filter for `type:name` added, or removed when it is on. */
  function toggledFilter(state, results, type, name) {
    const next = { ...state, offset: 0, article: null };
    if (type === 'source') {
      const on = state.source.filter((s) => s.toLowerCase() === name.toLowerCase());
      next.source = on.length ? state.source.filter((s) => !on.includes(s)) : [...state.source, name];
    } else if (entityActive(state, results, type, name)) {
      next.entity = state.entity.filter((value) => {
        const r = results && resolved(results, value);
        return value !== `${type}:${name}` && !(r && r.type === type && r.name === name);
      });
    } else {
      next.entity = [...state.entity, `${type}:${name}`];
    }
    return next;
  }

  function drawFacets(state, results) {
    const box = clear($('facets'));
    const facets = results.facets || {};
    for (const type of FACET_TYPES) {
      const counts = facets[type] || [];
      if (counts.length === 0) continue;
      const headingId = `facet-${type}`;
      const list = el('ul', { class: 'facet-list', 'aria-labelledby': headingId });
      for (const { name, count } of counts) {
        const on = entityActive(state, results, type, name);
        list.append(el('li', null, el('button', {
          type: 'button',
          class: 'facet-item',
          'data-focus-key': `facet:${type}:${name}`,
          'data-type': type,
          'aria-pressed': String(on),
          onclick: () => go(toggledFilter(state, results, type, name)),
        }, el('span', { class: 'facet-name', text: name }), el('span', { class: 'count', text: numbers.format(count) }))));
      }
      box.append(el('section', { class: 'facet' }, el('h2', { class: 'small-heading', id: headingId, text: TYPE_NAMES[type] }), list));
    }
    box.hidden = box.childElementCount === 0;
  }

  // ---- histogram -------------------------------------------------------------------------------

  let histogram = { buckets: [], interval: 'month', state: null };
  let brushFrom = null;

  function drawHistogram(state, results, interval) {
    const buckets = results.histogram || [];
    const bars = clear($('bars'));
    const box = $('histogram-box');
    const dated = buckets.filter((b) => !Number.isNaN(Date.parse(b.start)));
    histogram = { buckets: dated.map((b) => ({ start: new Date(b.start), count: b.count })), interval, state };
    brushFrom = null;
    if (dated.length === 0) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    // A few buckets make narrow bars, not a wall of colour.
    $('chart').style.maxWidth = `${Math.max(160, dated.length * 56)}px`;
    $('histogram-interval').textContent = `(per ${interval})`;
    const max = Math.max(1, ...histogram.buckets.map((b) => b.count));
    const since = parseBound(state.since);
    const until = parseBound(state.until);
    // Collapsed results count stories per bucket, others articles.
    const unit = results.total_stories === null || results.total_stories === undefined ? ['article', 'articles'] : ['story', 'stories'];
    let focusable = 0;
    histogram.buckets.forEach((bucket, i) => {
      const label = bucketLabel(bucket.start, interval);
      const end = nextBucket(bucket.start, interval).getTime();
      const selected = (!Number.isNaN(since) || !Number.isNaN(until))
        && (Number.isNaN(since) || bucket.start.getTime() >= since)
        && (Number.isNaN(until) || end <= until + DAY);
      if (selected && focusable === 0) focusable = i;
      const fill = el('span', { class: bucket.count > 0 ? 'fill' : 'fill zero' });
      fill.style.height = `${(bucket.count / max) * 100}%`;
      bars.append(el('button', {
        type: 'button',
        class: selected ? 'bar selected' : 'bar',
        'data-focus-key': 'bar',
        'data-index': i,
        tabIndex: -1,
        title: `${label}: ${plural(bucket.count, ...unit)}`,
        'aria-label': `${label}: ${plural(bucket.count, ...unit)}`,
      }, fill));
    });
    bars.children[focusable].tabIndex = 0;
    $('axis-start').textContent = bucketLabel(histogram.buckets[0].start, interval);
    $('axis-end').textContent = dated.length > 1 ? bucketLabel(histogram.buckets[dated.length - 1].start, interval) : '';
  }

  function barIndex(target) {
    const bar = target instanceof Element ? target.closest('.bar') : null;
    return bar && $('bars').contains(bar) ? Number(bar.dataset.index) : null;
  }

  function paintBrush(from, to) {
    const [lo, hi] = from === null ? [-1, -1] : [Math.min(from, to), Math.max(from, to)];
    for (const bar of $('bars').children) {
      const i = Number(bar.dataset.index);
      bar.classList.toggle('brushing', i >= lo && i <= hi);
    }
  }

  /** Filters by the buckets `from` to `to` (in either order). */
  function selectBuckets(from, to) {
    const { buckets, interval, state } = histogram;
    const lo = buckets[Math.min(from, to)];
    const hi = buckets[Math.max(from, to)];
    if (!lo || !hi || !state) return;
    go({ ...state, offset: 0, article: null, since: ymd(lo.start), until: bucketLastDay(hi.start, interval) });
  }

  function setUpHistogram() {
    const bars = $('bars');
    bars.addEventListener('mousedown', (e) => {
      const i = barIndex(e.target);
      if (i === null || e.button !== 0) return;
      e.preventDefault(); // no text selection while dragging
      brushFrom = i;
      paintBrush(i, i);
    });
    bars.addEventListener('mouseover', (e) => {
      const i = barIndex(e.target);
      if (brushFrom !== null && i !== null) paintBrush(brushFrom, i);
    });
    document.addEventListener('mouseup', (e) => {
      if (brushFrom === null) return;
      const from = brushFrom;
      brushFrom = null;
      const to = barIndex(e.target);
      paintBrush(null);
      if (to !== null) selectBuckets(from, to);
    });
    // Mouse clicks are handled by mousedown/mouseup above; a click from the keyboard has detail 0.
    bars.addEventListener('click', (e) => {
      const i = barIndex(e.target);
      if (i !== null && e.detail === 0) selectBuckets(i, i);
    });
    // One bar is in the Tab order; the arrow keys move between bars.
    bars.addEventListener('keydown', (e) => {
      const i = barIndex(e.target);
      if (i === null) return;
      const count = bars.children.length;
      const to = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: count - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      const next = bars.children[Math.max(0, Math.min(count - 1, to))];
      for (const bar of bars.children) bar.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    });
  }

  // ---- article view ----------------------------------------------------------------------------

  function openingWords(text, words) {
    const all = (text || '').split(/\s+/).filter(Boolean);
    return all.length > words ? `${all.slice(0, words).join(' ')}…` : all.join(' ');
  }

  async function renderArticle(state, mine, opts) {
    const back = { ...state, article: null };
    $('back').href = urlFor(back);
    let article;
    try {
      article = await api(`api/articles/${encodeURIComponent(state.article)}`);
    } catch (err) {
      if (mine !== drawn) return;
      showView('article');
      $('article-title').textContent = 'Article not available';
      clear($('article-meta'));
      clear($('article-body'));
      clear($('article-entities'));
      $('story-box').hidden = true;
      document.title = 'Article not available — newsidx';
      throw err;
    }
    if (mine !== drawn) return;
    showView('article');

    const mentions = article.mentions || [];
    const wrap = (text, m) => el('mark', { class: `entity entity-${m.type}`, title: `${TYPE_SINGULAR[m.type] || m.type}: ${m.name}`, text });
    const heading = clear($('article-title'));
    const headline = article.title || openingWords(article.body, 12);
    if (article.title) {
      heading.classList.remove('untitled');
      heading.append(markRanges(article.title, mentions.filter((m) => m.field === 'title'), wrap));
    } else {
      heading.classList.add('untitled');
      heading.textContent = headline;
    }
    document.title = `${headline} — newsidx`;
    clear($('article-meta')).append(metaLine(article, true));
    clear($('article-body')).append(markRanges(article.body || '', mentions.filter((m) => m.field === 'body'), wrap));

    const entities = clear($('article-entities'));
    const byType = new Map();
    for (const e of article.entities || []) {
      if (!byType.has(e.type)) byType.set(e.type, []);
      byType.get(e.type).push(e.name);
    }
    for (const [type, names] of byType) {
      const headingId = `article-entity-${type}`;
      const list = el('ul', { class: 'entity-list', 'aria-labelledby': headingId });
      for (const name of names) {
        const filter = `${type}:${name}`;
        const next = {
          ...back,
          offset: 0,
          entity: state.entity.includes(filter) ? state.entity : [...state.entity, filter],
        };
        list.append(el('li', null, navLink(next, { class: `entity-link entity-${type}`, title: `Results mentioning ${name}` }, name)));
      }
      entities.append(el('h3', { class: 'tiny-heading', id: headingId, text: TYPE_NAMES[type] || type }), list);
    }
    if (byType.size === 0) entities.append(el('p', { class: 'muted', text: 'No entities found.' }));

    const story = clear($('story'));
    for (const copy of article.story || []) story.append(copyItem(state, copy));
    $('story-box').hidden = story.childElementCount === 0;

    if (opts.navigated) {
      window.scrollTo(0, 0);
      heading.focus({ preventScroll: true });
    }
  }

  // ---- wiring ----------------------------------------------------------------------------------

  function isTyping(target) {
    return target instanceof Element && (target.closest('input, textarea, select, [contenteditable]') !== null);
  }

  function setUp() {
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const state = readState();
      go({ ...state, q: $('q').value.trim(), offset: 0, article: null });
    });
    $('sort').addEventListener('change', () => {
      go({ ...readState(), sort: $('sort').value, offset: 0, article: null });
    });
    $('prev').addEventListener('click', () => {
      const state = readState();
      go({ ...state, offset: Math.max(0, state.offset - LIMIT) });
    });
    $('next').addEventListener('click', () => {
      const state = readState();
      go({ ...state, offset: state.offset + LIMIT });
    });
    // Links the page draws itself carry data-nav: follow them without reloading.
    document.addEventListener('click', (e) => {
      const link = e.target instanceof Element ? e.target.closest('a[data-nav], a#back, a#home') : null;
      if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      history.pushState(null, '', link.getAttribute('href'));
      render({ navigated: true });
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) {
        e.preventDefault();
        $('q').focus();
        $('q').select();
      }
    });
    window.addEventListener('popstate', () => render({ scroll: false }));
    setUpHistogram();
    render();
  }

  setUp();
})();
