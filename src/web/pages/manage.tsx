import { useDocumentTitle } from '../state/hooks.js';
import { AuditLog } from './audit-log.js';
import { ManageKiosks } from './manage-kiosks.js';
import { ManagePolls } from './manage-polls.js';

/** Everything that changes the server's state, on one page with a table of contents. */
export function ManagePage() {
  useDocumentTitle('Manage');
  return (
    <>
      <h1>Manage</h1>
      <nav aria-label="On this page" class="toc">
        <a href="#polls">Polls</a> · <a href="#kiosks">Kiosks</a> · <a href="#audit">Audit log</a>
      </nav>
      <ManagePolls />
      <ManageKiosks />
      <AuditLog />
    </>
  );
}
