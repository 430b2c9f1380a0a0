// Whether live updates are flowing: the subscription socket's state, in words.
import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context.js';

const WORDS = {
  idle: 'Live updates: starting…',
  connecting: 'Live updates: connecting…',
  connected: 'Live updates: on',
  reconnecting: 'Live updates: interrupted, reconnecting…',
  refused: 'Live updates: off, the key was refused',
};

/** The live-updates indicator, announced politely when it changes. */
export function LiveState() {
  const { api } = useApp();
  const [state, setState] = useState('idle');
  useEffect(() => api.watchSocket(setState), []);
  return (
    <span class={`live-state live-${state}`} role="status">
      {WORDS[state]}
    </span>
  );
}
