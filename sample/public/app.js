// The sample chat page: plain JavaScript on the socket.io-client browser build (global `io`).
/* global io, document */
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, text) => {
    const node = Object.assign(document.createElement(tag), props);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const time = (iso) => el('time', { dateTime: iso }, new Date(iso).toLocaleTimeString());

  const state = {
    name: sessionStorage.getItem('name') || '',
    token: sessionStorage.getItem('token') || '',
    me: sessionStorage.getItem('me') || '',
    chat: null,
    notifications: null,
    room: null,
    online: new Set(),
    typers: new Map(), // userId -> { name, timer }
    typingSentAt: 0,
    typingStop: null,
    refreshing: null,
  };

  // ---- errors and notices ----

  let errorTimer;
  function showError(error) {
    const box = $('error');
    box.textContent = describe(error);
    box.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => (box.hidden = true), 10000);
  }
  /**
   * One line for the user. Server errors come in the one error shape `{ status: 'error', code,
   * message }`, whose message is already a sentence ("Not allowed to join room \"team\""): show it
   * as it is, never prefixed with a paraphrase of its code; the code speaks only when there is
   * no message. A thrown Error has a message and no code.
   */
  function describe(error) {
    if (!error) return 'Something went wrong';
    if (typeof error === 'string') return error;
    const message = error.message || '';
    switch (error.code) {
      case 'VALIDATION_FAILED':
        return `Not sent: ${message || 'invalid message'}`;
      case 'RATE_LIMITED': {
        const retry = error.retryAfter ? ` (try again in ${error.retryAfter} s)` : '';
        return `${message || 'Slow down'}${retry}`;
      }
      case 'FORBIDDEN':
        return message || 'Not allowed';
      case 'TOKEN_EXPIRED':
        return 'Your session expired; refreshing…';
      default:
        return message || error.code || 'Something went wrong';
    }
  }
  let noticeTimer;
  function showNotice(text) {
    const box = $('notice');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => (box.hidden = true), 5000);
  }
  function setStatus(text, stateName) {
    const status = $('status');
    status.textContent = text;
    status.dataset.state = stateName;
  }

  // ---- tokens (demo login; a real app asks its identity provider) ----

  async function fetchToken(name) {
    const response = await fetch('/auth/demo-login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
      throw new Error(
        response.status === 404
          ? 'Demo login is off (start the sample with SAMPLE_DEMO=1)'
          : message || `HTTP ${response.status}`,
      );
    }
    state.token = body.token;
    state.me = body.user.id;
    sessionStorage.setItem('token', state.token);
    sessionStorage.setItem('me', state.me);
    return state.token;
  }

  /** One refresh at a time, shared by both sockets. */
  function refreshToken() {
    if (!state.refreshing) {
      state.refreshing = fetchToken(state.name).finally(() => (state.refreshing = null));
    }
    return state.refreshing;
  }

  // ---- sockets ----

  function open(namespace) {
    const socket = io(namespace, {
      auth: (cb) => cb({ token: state.token }), // a function: read again on every reconnect
      transports: ['websocket', 'polling'],
    });
    socket.on('connect_error', async (err) => {
      // err.message is the error code; err.data the error shape
      if (err.message === 'TOKEN_EXPIRED') {
        try {
          await refreshToken();
          socket.connect();
        } catch (error) {
          signOut(describe(error));
        }
      } else if (err.message === 'UNAUTHORIZED') {
        signOut('Please sign in again');
      } else if (err.data) {
        showError(err.data);
      } else {
        setStatus('reconnecting…', 'reconnecting');
      }
    });
    // The token expired on a live socket: refresh in-band, silently (no reconnect, rooms kept).
    socket.on('auth:expired', async () => {
      try {
        const token = await refreshToken();
        const answer = await socket.timeout(5000).emitWithAck('auth:refresh', { token });
        if (!answer || answer.ok !== true) showError(answer);
      } catch (error) {
        showError(error);
      }
    });
    socket.on('exception', showError);
    socket.on('presence:online', (user) => {
      state.online.add(user.userId);
      renderOnline();
    });
    socket.on('presence:offline', (user) => {
      state.online.delete(user.userId);
      renderOnline();
    });
    return socket;
  }

  async function ask(socket, event, payload) {
    try {
      const answer = await socket.timeout(5000).emitWithAck(event, payload);
      if (answer && answer.status === 'error') {
        showError(answer);
        return null;
      }
      return answer || { status: 'ok' };
    } catch {
      showError('No answer from the server (timed out)');
      return null;
    }
  }

  function start() {
    $('login').hidden = true;
    $('chat').hidden = false;
    $('sign-out').hidden = false;
    $('me').textContent = `signed in as ${state.name}`;
    setStatus('connecting…', 'reconnecting');

    const chat = (state.chat = open('/chat'));
    chat.on('connect', async () => {
      setStatus('connected', 'connected');
      await Promise.all([loadRooms(), loadOnline()]);
      if (state.room) await joinRoom(state.room, true); // a new connection: join again
    });
    chat.on('disconnect', () => setStatus('reconnecting…', 'reconnecting'));
    chat.on('new_message', (message) => {
      if (message.roomId === state.room) addMessage(message);
      setTyping(message.roomId, message.user, false);
    });
    chat.on('typing', ({ roomId, user, typing }) => setTyping(roomId, user, typing));
    chat.on('direct_message', addDirectMessage);

    const notifications = (state.notifications = open('/notifications'));
    notifications.on('notification', (n) => {
      const item = el('li');
      item.append(el('strong', {}, n.title), time(n.timestamp));
      if (n.body) item.append(el('div', { className: 'muted' }, n.body));
      $('notifications').prepend(item);
      showNotice(n.title);
    });
  }

  function signOut(message) {
    state.chat?.disconnect();
    state.notifications?.disconnect();
    Object.assign(state, { chat: null, notifications: null, room: null, token: '', me: '' });
    state.online.clear();
    sessionStorage.clear();
    $('chat').hidden = true;
    $('sign-out').hidden = true;
    $('login').hidden = false;
    $('me').textContent = '';
    $('messages').replaceChildren();
    setStatus('signed out', 'signed-out');
    if (message) showError(message);
  }

  // ---- rooms and messages ----

  async function loadRooms() {
    const answer = await ask(state.chat, 'list_rooms');
    if (!answer) return;
    $('rooms').replaceChildren(
      ...answer.rooms.map((room) => {
        const item = el(
          'li',
          { title: room.joinable ? '' : 'members only' },
          `# ${room.title}`,
        );
        item.dataset.room = room.id;
        if (!room.joinable) item.classList.add('locked');
        if (room.id === state.room) item.classList.add('active');
        item.addEventListener('click', () => joinRoom(room.id));
        return item;
      }),
    );
  }

  async function joinRoom(roomId, again) {
    if (!again && roomId === state.room) return;
    const answer = await ask(state.chat, 'join_room', { roomId });
    if (!answer) return;
    if (state.room && state.room !== roomId)
      await ask(state.chat, 'leave_room', { roomId: state.room });
    state.room = roomId;
    state.typers.clear();
    renderTyping();
    $('room-title').textContent = answer.room.title;
    for (const item of $('rooms').children)
      item.classList.toggle('active', item.dataset.room === roomId);
    $('messages').replaceChildren();
    answer.history.forEach(addMessage);
    $('message-input').disabled = false;
    $('send-button').disabled = false;
    $('message-input').placeholder = `Message #${roomId}`;
    $('message-input').focus();
  }

  function addMessage(message) {
    const item = el('li', { className: 'message' });
    item.dataset.id = message.id;
    item.append(
      el('span', { className: 'author' }, message.user.name),
      el('span', { className: 'text' }, message.text),
      time(message.timestamp),
    );
    $('messages').append(item);
    item.scrollIntoView({ block: 'end' });
  }

  async function sendMessage(event) {
    event.preventDefault();
    const input = $('message-input');
    const text = input.value;
    stopTyping();
    const answer = await ask(state.chat, 'send_message', { roomId: state.room, text });
    if (answer) {
      input.value = '';
      updateCounter();
      $('error').hidden = true;
    }
  }

  function updateCounter() {
    const length = $('message-input').value.length;
    $('counter').textContent = `${length}/1000`;
    $('counter').style.color = length > 1000 ? '#c12f2f' : '';
  }

  // ---- typing ----

  function onInput() {
    updateCounter();
    if (!state.room) return;
    const now = Date.now();
    if (now - state.typingSentAt > 2000) {
      state.typingSentAt = now;
      state.chat.emit('typing', { roomId: state.room, typing: true });
    }
    clearTimeout(state.typingStop);
    state.typingStop = setTimeout(stopTyping, 3000);
  }

  function stopTyping() {
    clearTimeout(state.typingStop);
    if (state.typingSentAt && state.room)
      state.chat.emit('typing', { roomId: state.room, typing: false });
    state.typingSentAt = 0;
  }

  function setTyping(roomId, user, typing) {
    if (roomId !== state.room) return;
    const existing = state.typers.get(user.id);
    if (existing) clearTimeout(existing.timer);
    if (typing) {
      // typing events are volatile: forget a typist we have not heard from for 5 s
      const timer = setTimeout(() => setTyping(roomId, user, false), 5000);
      state.typers.set(user.id, { name: user.name, timer });
    } else {
      state.typers.delete(user.id);
    }
    renderTyping();
  }

  function renderTyping() {
    const names = [...state.typers.values()].map((t) => t.name);
    $('typing').textContent =
      names.length === 0
        ? ''
        : names.length === 1
          ? `${names[0]} is typing…`
          : `${names.join(' and ')} are typing…`;
  }

  // ---- presence ----

  async function loadOnline() {
    const answer = await ask(state.chat, 'who_is_online');
    if (!answer) return;
    state.online = new Set(answer.users);
    renderOnline();
  }

  function renderOnline() {
    const users = [...state.online].sort();
    $('online-count').textContent = `(${users.length})`;
    $('online').replaceChildren(
      ...users.map((id) => {
        const item = el(
          'li',
          { title: id === state.me ? 'you' : 'click to send a direct message' },
          id === state.me ? `${id} (you)` : id,
        );
        item.dataset.user = id;
        item.addEventListener('click', () => {
          if (id === state.me) return;
          $('dm-to').value = id;
          $('dm-text').focus();
        });
        return item;
      }),
    );
  }

  // ---- direct messages ----

  function addDirectMessage(message) {
    const item = el('li');
    const mine = message.from.id === state.me;
    item.append(
      el(
        'span',
        { className: 'author' },
        mine ? `you → ${message.to}` : `${message.from.name} → you`,
      ),
      el('span', {}, message.text),
      time(message.timestamp),
    );
    $('dms').prepend(item);
  }

  async function sendDirectMessage(event) {
    event.preventDefault();
    const to = $('dm-to').value.trim();
    const text = $('dm-text').value;
    const answer = await ask(state.chat, 'direct_message', { to, text });
    if (answer) $('dm-text').value = '';
  }

  // ---- wiring ----

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = $('login-name').value.trim();
    try {
      state.name = name;
      await fetchToken(name);
      sessionStorage.setItem('name', name);
      $('error').hidden = true;
      start();
    } catch (error) {
      showError(error.message);
    }
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('message-form').addEventListener('submit', sendMessage);
  $('message-input').addEventListener('input', onInput);
  $('dm-form').addEventListener('submit', sendDirectMessage);
  $('notify-me').addEventListener('click', () => ask(state.notifications, 'notify_me'));

  fetch('/info')
    .then((r) => r.json())
    .then((info) => {
      $('instance').textContent =
        `instance ${info.instance}${info.redis ? ' · Redis' : ' · in memory'}`;
      if (!info.demo) $('login-button').disabled = true;
      if (!info.demo)
        showError('Demo login is off: start the sample with SAMPLE_DEMO=1 (npm run sample does)');
    })
    .catch(() => undefined);

  if (state.name && state.token) start();
})();
