// careerbot playground: a small Discord-like client for the fake Discord. No build step, no libraries.
"use strict";
const $ = (sel) => document.querySelector(sel);
const state = { world: null, persona: null, channel: null, lastJson: "", command: null, modalFor: null };

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok || data.error) showError(data.error || `HTTP ${response.status}`);
  return data;
}

function showError(text) {
  const box = $("#error");
  box.textContent = text;
  box.hidden = !text;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) node.append(c);
  return node;
}

// A little Discord markdown: bold, italics, inline code, links and user mentions; everything else is text.
function markdown(text) {
  const names = Object.fromEntries((state.world?.personas || []).map((p) => [p.id, p.name]));
  const escaped = (text || "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  return escaped
    .replace(/&lt;@!?(\d+)&gt;/g, (_, id) => `<span class="mention">@${names[id] || state.world?.bot || "user"}</span>`)
    .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*])\*([^*\n]+)\*/g, "$1<em>$2</em>")
    .replace(/__(.+?)__/g, "<u>$1</u>")
    .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,]|$)/gm, "$1<em>$2</em>")
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noreferrer">$1</a>');
}

function md(tag, cls, text) {
  const node = el(tag, { class: cls });
  node.innerHTML = markdown(text);
  return node;
}

// -- world, personas, channels ---------------------------------------------------------------------

async function loadWorld() {
  const world = await api("/api/world");
  if (!world.personas) return;
  state.world = world;
  const picker = $("#persona");
  if (!picker.options.length) {
    for (const p of world.personas) picker.append(el("option", { value: p.id }, p.name));
    state.persona = world.personas[0].id;
    state.channel = world.channels[0].id;
  }
  renderSidebar();
  renderContentStatus(world.content_error, world.content_version);
}

function renderSidebar() {
  const w = state.world;
  $("#channels").replaceChildren(...w.channels.map((c) =>
    el("li", { class: state.channel === c.id ? "active" : "", "data-channel": c.name,
      onclick: () => openChannel(c.id) }, `# ${c.name}`)));
  $("#dms").replaceChildren(el("li", { class: state.channel === "dm" ? "active" : "", "data-channel": "dm",
    onclick: () => openChannel("dm") }, `@ ${w.bot}`));
  const name = state.channel === "dm" ? `@ ${w.bot} (your DM)` : `# ${w.channels.find((c) => c.id === state.channel).name}`;
  $("#chat-title").textContent = name;
}

function renderContentStatus(error, version) {
  const box = $("#content-status");
  box.className = error ? "bad" : "";
  box.textContent = error ? `Not reloaded (the bot keeps the last good content): ${error}` : `Content ${version}`;
}

function openChannel(id) {
  state.channel = id;
  state.lastJson = "";
  closeCommand();
  renderSidebar();
  poll();
}

$("#persona").addEventListener("change", (e) => { state.persona = e.target.value; state.lastJson = ""; closeCommand(); poll(); });
$("#reload").addEventListener("click", async () => {
  $("#content-status").textContent = "Reloading…";
  const out = await api("/api/reload", {});
  await loadWorld();
  renderContentStatus(out.content_error, out.content_version);
});

// -- messages ----------------------------------------------------------------------------------------

async function poll() {
  if (!state.persona) return;
  const data = await fetch(`/api/messages?persona=${state.persona}&channel=${state.channel}`).then((r) => r.json()).catch(() => null);
  if (!data || !data.messages) return;
  const json = JSON.stringify(data.messages);
  if (json === state.lastJson) return;
  const fresh = !state.lastJson;
  state.lastJson = json;
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.replaceChildren(...data.messages.map(renderMessage));
  if (atBottom || fresh) box.scrollTop = box.scrollHeight;
}

function renderMessage(m) {
  const files = Object.fromEntries(m.attachments.map((a) => [a.filename, a]));
  const used = new Set();
  const node = el("div", { class: "msg" + (m.ephemeral ? " ephemeral" : ""), "data-message": m.id },
    m.used ? el("div", { class: "used" }, `↳ ${m.used}`) : null,
    el("div", { class: "head" }, m.author, m.bot ? el("span", { class: "tag" }, "APP") : null),
    m.loading ? el("div", { class: "body" }, `${m.author} is thinking…`) : (m.content ? md("div", "body", m.content) : null),
    m.embeds.map((e) => renderEmbed(e, files, used)),
    m.attachments.filter((a) => !used.has(a.filename)).map(renderAttachment),
    renderComponents(m.components, m.id),
    m.ephemeral ? el("div", { class: "eph" }, "Only you can see this") : null);
  return node;
}

function attachmentUrl(url, files, used) {
  if (url && url.startsWith("attachment://")) {
    const name = url.slice("attachment://".length);
    used.add(name);
    return files[name]?.url;
  }
  return url;
}

function renderEmbed(e, files, used) {
  const colour = e.color !== undefined ? `#${e.color.toString(16).padStart(6, "0")}` : undefined;
  const image = e.image ? attachmentUrl(e.image.url, files, used) : null;
  const thumb = e.thumbnail ? attachmentUrl(e.thumbnail.url, files, used) : null;
  const imageAlt = (e.image && files[(e.image.url || "").replace("attachment://", "")]?.description) || e.title || "chart";
  return el("div", { class: "embed", style: colour ? `border-left-color:${colour}` : undefined },
    e.author ? el("div", { class: "footer" }, e.author.name) : null,
    e.title ? md("div", "title", e.title) : null,
    e.description ? md("div", "desc", e.description) : null,
    e.fields?.length ? el("div", { class: "fields" }, e.fields.map((f) =>
      el("div", { class: "field" + (f.inline ? " inline" : "") }, md("div", "name", f.name), md("div", "value", f.value)))) : null,
    thumb ? el("img", { src: thumb, alt: "thumbnail", class: "thumb" }) : null,
    image ? el("img", { src: image, alt: imageAlt, class: "embed-image" }) : null,
    e.footer ? el("div", { class: "footer" }, e.footer.text) : null);
}

function renderAttachment(a) {
  if ((a.content_type || "").startsWith("image/")) {
    return el("div", { class: "attachment" }, el("img", { src: a.url, alt: a.description || a.filename }));
  }
  return el("div", { class: "attachment" }, "📎 ", el("a", { href: a.url, download: a.filename }, a.filename));
}

function renderComponents(components, messageId) {
  return (components || []).map((c) => {
    if (c.type === 1) return el("div", { class: "row" }, c.components.map((x) => renderComponent(x, messageId)));
    if (c.type === 10) return md("div", "body", c.content);
    if (c.type === 17 || c.type === 9) return el("div", { class: "embed" }, renderComponents(c.components, messageId),
      c.accessory ? renderComponent(c.accessory, messageId) : null);
    return el("div", { class: "row" }, renderComponent(c, messageId));
  });
}

function renderComponent(c, messageId) {
  if (c.type === 2) {
    const label = `${c.emoji?.name ? c.emoji.name + " " : ""}${c.label || ""}`;
    if (c.style === 5) return el("a", { href: c.url, target: "_blank", rel: "noreferrer" }, label);
    return el("button", { class: `s${c.style}`, disabled: !!c.disabled, type: "button", "data-custom-id": c.custom_id,
      onclick: () => act("/api/click", { message: messageId, custom_id: c.custom_id }) }, label);
  }
  if ([3, 5, 6, 7, 8].includes(c.type)) return renderSelect(c, messageId);
  return null;
}

function selectOptions(c) {
  const w = state.world;
  if (c.type === 3) return c.options.map((o) => ({ value: o.value, label: `${o.emoji?.name ? o.emoji.name + " " : ""}${o.label}`, default: o.default }));
  if (c.type === 5) return w.personas.map((p) => ({ value: p.id, label: p.name }));
  if (c.type === 6) return w.roles.map((r) => ({ value: r.id, label: r.name }));
  if (c.type === 8) return w.channels.map((ch) => ({ value: ch.id, label: `# ${ch.name}` }));
  return w.personas.map((p) => ({ value: p.id, label: p.name })).concat(w.roles.map((r) => ({ value: r.id, label: `@${r.name}` })));
}

function renderSelect(c, messageId) {
  const options = selectOptions(c);
  const send = (values) => act("/api/select", { message: messageId, custom_id: c.custom_id, values });
  if ((c.max_values || 1) > 1) {
    const boxes = options.map((o) => el("label", {}, el("input", { type: "checkbox", value: o.value, checked: !!o.default, style: "width:auto" }), " ", o.label));
    return el("div", { class: "multi", "data-custom-id": c.custom_id }, el("div", {}, c.placeholder || "Choose"), boxes,
      el("button", { type: "button", class: "s1", disabled: !!c.disabled, onclick: (e) => send(
        [...e.target.parentNode.querySelectorAll("input:checked")].map((i) => i.value)) }, "Apply"));
  }
  const select = el("select", { "data-custom-id": c.custom_id, disabled: !!c.disabled,
    onchange: (e) => e.target.value && send([e.target.value]) },
    el("option", { value: "" }, c.placeholder || "Make a selection"),
    options.map((o) => el("option", { value: o.value }, o.label)));
  return select;
}

async function act(path, body) {
  showError("");
  const out = await api(path, { persona: state.persona, channel: state.channel, ...body });
  if (out.modal) openModal(out.modal, out.interaction);
  state.lastJson = "";
  await poll();
  return out;
}

// -- modals ------------------------------------------------------------------------------------------

function modalInputs(components, out = []) {
  for (const c of components || []) {
    if (c.type === 4) out.push({ input: c, label: c.label });
    else if (c.type === 18 && c.component) out.push({ input: c.component, label: c.label, description: c.description });
    else if (c.components) modalInputs(c.components, out);
  }
  return out;
}

function openModal(modal, interaction) {
  const form = $("#modal-form");
  const fields = modalInputs(modal.components);
  form.replaceChildren(...[el("h2", {}, modal.title),
    fields.map(({ input, label }) => [
      el("label", { for: `m-${input.custom_id}` }, label || input.custom_id),
      input.type === 4
        ? el(input.style === 2 ? "textarea" : "input", { id: `m-${input.custom_id}`, name: input.custom_id,
            placeholder: input.placeholder || "", required: input.required !== false, maxlength: input.max_length,
            minlength: input.min_length, rows: 4 }, input.style === 2 ? (input.value || "") : null)
        : el("select", { id: `m-${input.custom_id}`, name: input.custom_id },
            selectOptions(input).map((o) => el("option", { value: o.value }, o.label))),
    ]),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "cancel", onclick: () => $("#modal").close() }, "Cancel"),
      el("button", { type: "submit", id: "modal-submit" }, "Submit"))].flat(Infinity));
  for (const { input } of fields) if (input.type === 4 && input.style !== 2 && input.value) form.querySelector(`#m-${input.custom_id}`).value = input.value;
  form.onsubmit = async (e) => {
    e.preventDefault();
    const values = {};
    for (const { input } of fields) {
      const v = form.querySelector(`#m-${input.custom_id}`).value;
      values[input.custom_id] = input.type === 4 ? v : [v];
    }
    $("#modal").close();
    await act("/api/modal", { interaction, fields: values });
  };
  $("#modal").showModal();
}

// -- composer: slash commands and messages -----------------------------------------------------------

function commands() {
  return state.channel === "dm" ? state.world.dm_commands : state.world.guild_commands;
}

$("#input").addEventListener("input", (e) => {
  const text = e.target.value;
  const picker = $("#command-picker");
  if (!text.startsWith("/") || state.command) { picker.hidden = true; return; }
  const typed = text.slice(1).toLowerCase();
  const found = commands().filter((c) => c.path.startsWith(typed));
  picker.replaceChildren(...found.map((c) => el("div", { class: "cmd", "data-command": c.path, onclick: () => pickCommand(c) },
    `/${c.path}`, el("small", {}, c.description))));
  picker.hidden = !found.length;
});

$("#composer").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("#input").value.trim();
  if (!text) return;
  if (text.startsWith("/")) {
    const exact = commands().find((c) => c.path === text.slice(1).trim());
    if (exact) pickCommand(exact);
    return;
  }
  $("#input").value = "";
  await act("/api/message", { content: text, mention: true });
});

function optionInput(c, o) {
  const id = `opt-${o.name}`;
  if (o.choices.length) {
    return el("select", { id, name: o.name }, o.required ? null : el("option", { value: "" }, "—"),
      o.choices.map((ch) => el("option", { value: JSON.stringify(ch.value) }, ch.name)));
  }
  if (o.type === 5) return el("select", { id, name: o.name }, el("option", { value: "" }, "—"),
    el("option", { value: "true" }, "True"), el("option", { value: "false" }, "False"));
  if ([6, 7, 8, 9].includes(o.type)) {
    const list = selectOptions({ type: { 6: 5, 7: 8, 8: 6, 9: 7 }[o.type] });
    return el("select", { id, name: o.name }, el("option", { value: "" }, "—"), list.map((x) => el("option", { value: x.value }, x.label)));
  }
  const input = el("input", { id, name: o.name, type: [4, 10].includes(o.type) ? "number" : "text", placeholder: o.description });
  if (o.autocomplete) {
    const list = el("div", { class: "choices", id: `${id}-choices` });
    let timer = null;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const out = await api("/api/autocomplete", { persona: state.persona, channel: state.channel, command: c.path,
          focused: o.name, value: input.value, options: collectOptions(c, o.name) });
        list.replaceChildren(...(out.choices || []).map((ch) => el("div", { "data-value": ch.value,
          onclick: () => { input.value = ch.value; list.replaceChildren(); } }, ch.name)));
      }, 200);
    };
    input.addEventListener("input", refresh);
    input.addEventListener("focus", refresh);
    return el("div", {}, input, list);
  }
  return input;
}

function collectOptions(c, skip) {
  const out = {};
  for (const o of c.options) {
    if (o.name === skip) continue;
    const field = document.getElementById(`opt-${o.name}`);
    if (!field || field.value === "") continue;
    if (o.choices.length) out[o.name] = JSON.parse(field.value);
    else if (o.type === 5) out[o.name] = field.value === "true";
    else if (o.type === 4) out[o.name] = parseInt(field.value, 10);
    else if (o.type === 10) out[o.name] = parseFloat(field.value);
    else out[o.name] = field.value;
  }
  return out;
}

function pickCommand(c) {
  state.command = c;
  $("#command-picker").hidden = true;
  $("#input").value = `/${c.path}`;
  const form = $("#option-form");
  form.replaceChildren(...[el("div", { class: "title" }, el("strong", {}, `/${c.path}`), " ", el("small", {}, c.description)),
    c.options.map((o) => el("div", { class: "opt" },
      el("label", { for: `opt-${o.name}` }, `${o.name}${o.required ? " *" : ""} — ${o.description}`), optionInput(c, o))),
    el("div", { class: "actions" },
      el("button", { type: "button", id: "send-command", onclick: () => sendCommand(c) }, "Send"),
      el("button", { type: "button", class: "cancel", onclick: closeCommand }, "Cancel"))].flat(Infinity));
  form.hidden = false;
  if (!c.options.length) sendCommand(c);
}

function closeCommand() {
  state.command = null;
  $("#option-form").hidden = true;
  $("#command-picker").hidden = true;
  $("#input").value = "";
}

async function sendCommand(c) {
  const options = collectOptions(c, null);
  closeCommand();
  await act("/api/command", { command: c.path, options });
}

loadWorld().then(poll);
setInterval(poll, 700);
setInterval(loadWorld, 5000);
