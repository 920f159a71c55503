import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Kiosk, KioskCredentials } from '../api/types.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorBox } from '../components/error-box.js';
import { SecretPanel } from '../components/secret-panel.js';
import { useAction } from '../state/hooks.js';
import { live } from '../state/live.js';
import { applyKiosks } from '../state/live-state.js';
import { useObservable } from '../state/observable.js';

interface Shown {
  credentials: KioskCredentials;
  why: string;
}

/** Register, rename, relocate, revoke, reactivate, rotate and remove kiosks. */
export function ManageKiosks() {
  const state = useObservable(live);
  const [shown, setShown] = useState<Shown | null>(null);
  const action = useAction();
  const refresh = async (): Promise<void> => {
    // the `kiosks` event brings the same list; asking keeps the page right if the stream lags
    const kiosks = await api.kiosks.list();
    live.update((s) => applyKiosks(s, { kiosks }));
  };
  const act = async (change: () => Promise<unknown>): Promise<void> => {
    await action.run(async () => {
      await change();
      await refresh();
    });
  };
  const withSecret = (why: string, change: () => Promise<KioskCredentials>) => () =>
    act(async () => setShown({ credentials: await change(), why }));

  return (
    <section id="kiosks" class="card" aria-labelledby="kiosks-title">
      <h2 id="kiosks-title">Kiosks</h2>
      {shown ? <SecretPanel credentials={shown.credentials} why={shown.why} onDone={() => setShown(null)} /> : null}
      <AddKiosk onAdded={(credentials) => {
        setShown({ credentials, why: 'Registered' });
        void refresh();
      }} />
      <ErrorBox error={action.error} />
      {state.kiosks.length > 0 ? (
        <div class="table-wrap">
          <table class="table kiosks-table">
            <caption class="visually-hidden">Registered kiosks</caption>
            <thead>
              <tr>
                <th scope="col">Kiosk</th>
                <th scope="col">Name and location</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {state.kiosks.map((k) => (
                <tr key={k.id} data-kiosk-id={k.id} class={k.revoked ? 'row-muted' : undefined}>
                  <th scope="row" data-label="Kiosk">
                    <code>{k.id}</code>{' '}
                    {k.revoked ? <span class="pill pill-closed">revoked</span> : <span class={`pill pill-${k.online ? 'open' : 'offline'}`}>{k.online ? 'online' : 'offline'}</span>}
                  </th>
                  <td data-label="Name and location">
                    <KioskNaming kiosk={k} act={act} />
                  </td>
                  <td data-label="Actions">
                    <div class="actions">
                      {k.revoked ? (
                        <>
                          <ConfirmButton label="Reactivate" ariaLabel={`Reactivate ${k.id}`} question="It gets a new secret." onConfirm={withSecret('Reactivated', () => api.kiosks.reactivate(k.id))} />
                          <ConfirmButton label="Remove" ariaLabel={`Remove ${k.id}`} question="Its votes stay counted." danger onConfirm={() => act(() => api.kiosks.remove(k.id))} />
                        </>
                      ) : (
                        <>
                          <ConfirmButton label="Rotate secret" ariaLabel={`Rotate the secret of ${k.id}`} question="The old secret stops working at once." onConfirm={withSecret('New secret', () => api.kiosks.rotateSecret(k.id))} />
                          <ConfirmButton label="Revoke" ariaLabel={`Revoke ${k.id}`} question="It is disconnected and refused from now on." danger onConfirm={() => act(() => api.kiosks.revoke(k.id))} />
                        </>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No kiosk yet.</p>
      )}
    </section>
  );
}

function AddKiosk({ onAdded }: { onAdded: (c: KioskCredentials) => void }) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [where, setWhere] = useState('');
  const action = useAction();
  return (
    <form
      class="form add-kiosk"
      aria-labelledby="add-kiosk-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const added = await action.run(() => api.kiosks.add({ id: id.trim(), name: name.trim() || undefined, location: where.trim() || undefined }));
        if (!added) return;
        setId('');
        setName('');
        setWhere('');
        onAdded(added);
      }}
    >
      <h3 id="add-kiosk-title">Add a kiosk</h3>
      <div class="form-row">
        <div class="field">
          <label for="kiosk-id">Kiosk id</label>
          <input id="kiosk-id" required maxLength={64} autocapitalize="off" spellcheck={false} placeholder="hall-1" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="kiosk-name">Name (optional)</label>
          <input id="kiosk-name" maxLength={100} placeholder="Main hall" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="kiosk-location">Location (optional)</label>
          <input id="kiosk-location" maxLength={100} placeholder="Entrance" value={where} onInput={(e) => setWhere((e.target as HTMLInputElement).value)} />
        </div>
      </div>
      <ErrorBox error={action.error} context="The kiosk was not added" />
      <button type="submit" class="button button-primary" disabled={action.busy}>Add kiosk</button>
    </form>
  );
}

function KioskNaming({ kiosk: k, act }: { kiosk: Kiosk; act: (change: () => Promise<unknown>) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(k.name);
  const [where, setWhere] = useState(k.location);
  if (!editing) {
    return (
      <span class="naming">
        <span>{k.name || <span class="muted">no name</span>}</span>
        <span class="muted"> · {k.location || 'no location'}</span>{' '}
        <button type="button" class="button button-small button-quiet" aria-label={`Rename or relocate ${k.id}`} onClick={() => {
          setName(k.name);
          setWhere(k.location);
          setEditing(true);
        }}>Edit</button>
      </span>
    );
  }
  return (
    <form
      class="form naming-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const change: { name?: string; location: string } = { location: where.trim() };
        if (name.trim()) change.name = name.trim(); // a kiosk always has a name: empty keeps the old one
        await act(() => api.kiosks.change(k.id, change));
        setEditing(false);
      }}
    >
      <label for={`name-${k.id}`} class="visually-hidden">Name of {k.id}</label>
      <input id={`name-${k.id}`} value={name} maxLength={100} placeholder="Name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <label for={`location-${k.id}`} class="visually-hidden">Location of {k.id}</label>
      <input id={`location-${k.id}`} value={where} maxLength={100} placeholder="Location" onInput={(e) => setWhere((e.target as HTMLInputElement).value)} />
      <button type="submit" class="button button-small button-primary">Save</button>
      <button type="button" class="button button-small" onClick={() => setEditing(false)}>Cancel</button>
    </form>
  );
}
