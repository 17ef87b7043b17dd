/** Inline SVG icons (no icon font, nothing fetched): decorative, so hidden from assistive technology. */
type IconProps = { path: string };

function Icon({ path }: IconProps) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={path} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}

export const OverviewIcon = () => <Icon path="M3 13h8V3H3zM13 21h8V11h-8zM3 21h8v-6H3zM13 3v6h8V3z" />;
export const UsersIcon = () => (
  <Icon path="M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM22 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8" />
);
export const SignOutIcon = () => <Icon path="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9" />;
export const ShieldIcon = () => <Icon path="M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z" />;
export const ClientsIcon = () => <Icon path="M4 4h16v6H4zM4 14h16v6H4zM8 7h.01M8 17h.01" />;
export const KeyIcon = () => <Icon path="M15 7a4 4 0 1 1-3.9 4.9L3 20v-3h3v-3h3l2.1-2.1A4 4 0 0 1 15 7z" />;
export const AuditIcon = () => <Icon path="M9 4h10v16H5V8zM9 4v4H5M9 13h6M9 17h6" />;
export const RolesIcon = () => <Icon path="M12 3l8 4v5c0 5-3.5 8-8 9-4.5-1-8-4-8-9V7zM9 12l2 2 4-4" />;
export const WebhookIcon = () => <Icon path="M18 16a3 3 0 1 1-2.8 4H9M6 16a3 3 0 1 1 1.5-5.6L11 4M12 7a3 3 0 1 1 3 3.1L18 16" />;
